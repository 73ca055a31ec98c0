// A canvas client for tests: the `ws` package's client speaking our protocol,
// with every server message decoded and kept in order.
import WebSocket from 'ws';
import { parseAppConfig, type AppConfig } from '../../src/config/load.js';
import { decodeServerMessage, type ServerMessage } from '../../src/protocol/messages.js';

export class TestCanvasClient {
  readonly messages: ServerMessage[] = [];
  private waiters: { predicate: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const message = decodeServerMessage(new Uint8Array(data));
      if (message.type === 'fault') throw new Error(`undecodable server message: ${message.message}`);
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => !(w.predicate(message) && (w.resolve(message), true)));
    });
  }

  static open(url: string, headers: Record<string, string> = {}, options: WebSocket.ClientOptions = {}): Promise<TestCanvasClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, 'tessera.v1', { ...options, headers });
      const client = new TestCanvasClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  send(bytes: Uint8Array): void {
    this.ws.send(bytes);
  }

  /** The first message (already received or still to come) that matches. */
  next<T extends ServerMessage['type']>(type: T, predicate: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true): Promise<Extract<ServerMessage, { type: T }>> {
    const matches = (m: ServerMessage) => m.type === type && predicate(m as Extract<ServerMessage, { type: T }>);
    const index = this.messages.findIndex(matches);
    if (index !== -1) return Promise.resolve(this.messages.splice(index, 1)[0] as Extract<ServerMessage, { type: T }>);
    return new Promise((resolve) =>
      this.waiters.push({
        predicate: matches,
        resolve: (m) => {
          this.messages.splice(this.messages.indexOf(m), 1);
          resolve(m as Extract<ServerMessage, { type: T }>);
        },
      }),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

const PALETTE16 = ['#FFFFFF', '#E4E4E4', '#888888', '#222222', '#FFA7D1', '#E50000', '#E59500', '#A06A42', '#E5D900', '#94E044', '#02BE01', '#00D3DD', '#0083C7', '#0000EA', '#CF6EE4', '#820080'];

/** Two small boards: `strict` with an r/place cooldown, `free` with room for floods. */
export function smallConfig(server: Record<string, unknown> = {}): AppConfig {
  const base = { width: 64, height: 64, chunkSize: 16, palette: PALETTE16, background: 0 };
  return parseAppConfig({
    server: { tickRateHz: 20, ...server },
    boards: [
      {
        id: 'strict', title: 'Strict', ...base,
        policy: { strokes: false, maxBatch: 1, tileWrites: false, buckets: [
          { key: 'session', capacity: 1, refillPerSecond: 0.2, unit: 'pixel' },
          { key: 'ip', capacity: 2, refillPerSecond: 0.4, unit: 'pixel' },
        ] },
      },
      {
        id: 'free', title: 'Free', ...base,
        policy: { strokes: true, maxBatch: 1000, tileWrites: false, buckets: [{ key: 'ip', capacity: 65535, refillPerSecond: 1e6, unit: 'pixel' }] },
      },
    ],
  });
}
