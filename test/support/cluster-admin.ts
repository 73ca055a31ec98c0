// Cluster tests' accounts and HTTP: the first admin made by the CLI in the run's schema
// (`admin create --database`), and requests to a member from a given client address (the members
// run with --trusted-proxies 127.0.0.1, so X-Forwarded-For is the client).
import { spawn } from 'node:child_process';
import type { Node } from './cluster.js';

export const ADMIN_PASSWORD = 'a long admin password';

/** `admin create --username root` with ADMIN_PASSWORD (scrypt cost 2^10: quick). */
export function adminCreate(databaseUrl: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['build/src/main.js', 'admin', 'create', '--username', 'root', '--database', databaseUrl],
      { env: { ...process.env, PASSWORD_COST_LOG2: '10' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('exit', (code) => resolve({ code, out }));
    child.stdin.end(`${ADMIN_PASSWORD}\n`);
  });
}

export async function send(node: Node, method: string, path: string, options: { cookie?: string; body?: unknown; ip?: string } = {}) {
  const headers: Record<string, string> = { 'X-Forwarded-For': options.ip ?? '192.0.2.50' };
  if (options.cookie) headers.Cookie = options.cookie;
  const response = await fetch(`${node.url}${path}`, { method, headers, ...(options.body ? { body: JSON.stringify(options.body) } : {}) });
  return { status: response.status, headers: response.headers, body: await response.json() as any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}
