// What the moderation tests share: a server with accounts (cheap scrypt, the loopback peer as a
// trusted proxy so each test client can name its own IP in X-Forwarded-For), users made in its
// store, and HTTP requests with any headers (node:http sends Origin as given).
import { request as httpRequest } from 'node:http';
import * as assert from 'uvu/assert';
import type { Clock } from '../../src/clock.js';
import type { ServerConfig } from '../../src/config/settings.js';
import { hashPassword } from '../../src/moderation/passwords.js';
import type { Role } from '../../src/storage/moderation.js';
import { smallConfig, TestCanvasClient } from '../support/canvas-client.js';
import { startApp, type RunningServer } from '../support/server.js';

export const PASSWORD = 'correct horse battery';

export function startModerated(overrides: Partial<ServerConfig> = {}, clock?: Clock): Promise<RunningServer> {
  return startApp({ passwordCostLog2: 10, trustedProxies: ['127.0.0.1'], ...overrides }, smallConfig(), clock);
}

let ips = 0;
/** An address no other request of the test run comes from (login limits count per IP). */
export const freshIp = (): string => `10.77.${(++ips >> 8) & 255}.${ips & 255}`;

export async function addUser(server: RunningServer, username: string, role: Role): Promise<void> {
  const moderation = server.moderation!;
  const record = await moderation.store.createUser({ username, role, passwordHash: await hashPassword(PASSWORD, 10), createdMs: 0, guestActor: null }, null);
  moderation.accounts.remember(record);
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface Call {
  cookie?: string;
  body?: unknown;
  ip?: string;
  headers?: Record<string, string>;
}

export function call(server: RunningServer, method: string, path: string, options: Call = {}): Promise<Answer> {
  const payload = options.body === undefined ? null : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
  const headers: Record<string, string> = { 'X-Forwarded-For': options.ip ?? freshIp(), ...options.headers };
  if (options.cookie) headers.Cookie = options.cookie;
  if (payload) headers['Content-Type'] = 'application/json';
  if (payload) headers['Content-Length'] = String(payload.length);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch { /* not JSON */ }
        resolve({ status: res.statusCode!, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    req.end(payload ?? undefined);
  });
}

/** The `tessera_auth=…` pair of an answer's Set-Cookie. */
export function authCookie(answer: Answer): string {
  const cookies = ([] as string[]).concat(answer.headers['set-cookie'] ?? []);
  const auth = cookies.find((c) => c.startsWith('tessera_auth='));
  assert.ok(auth, 'a tessera_auth cookie');
  return auth!.split(';')[0]!;
}

export async function login(server: RunningServer, username: string): Promise<string> {
  const answer = await call(server, 'POST', '/api/auth/login', { body: { username, password: PASSWORD } });
  assert.is(answer.status, 200, JSON.stringify(answer.body));
  return authCookie(answer);
}

const closeCodes = new WeakMap<TestCanvasClient, Promise<number>>();

/** A WebSocket canvas client coming from `ip`. */
export async function openClient(server: RunningServer, ip: string, headers: Record<string, string> = {}): Promise<TestCanvasClient> {
  const client = await TestCanvasClient.open(`${server.wsUrl}/ws`, { 'X-Forwarded-For': ip, ...headers });
  // Listening from the open event on: a close right after it is still seen.
  closeCodes.set(client, new Promise((resolve) => client.ws.once('close', (code: number) => resolve(code))));
  return client;
}

/** The close code of an openClient's connection, once it is closed. */
export function closed(client: TestCanvasClient): Promise<number> {
  return closeCodes.get(client)!;
}
