// Reference fan-out server for the canvas benchmark, on the `ws` package, written the
// straightforward way a ws user would: it speaks our protocol on /ws (HELLO, SUBSCRIBE /
// UNSUBSCRIBE answered with CHUNKs, PLACE answered with ACK, PING), keeps the first board
// of the config in a Uint8Array, and every tick encodes each changed chunk's DIFF section
// once, then sends every subscribed client one DIFF message of the sections it watches:
// one Buffer and one ws.send per client per tick. No rate limits, no slow-client handling.
//   node build/bench/canvas/ws-reference-server.js --port 0 --host 127.0.0.1 --config <path>
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { loadAppConfig, DEFAULT_CONFIG_PATH } from '../../src/config/load.js';
import { defaultConfig } from '../../src/config/settings.js';
import {
  decodeClientMessage,
  encodeAck,
  encodeChunk,
  encodeChunkPixels,
  encodeDiff,
  encodeDiffSectionValues,
  encodeHello,
  encodePong,
  encodeReject,
  RejectReason,
} from '../../src/protocol/messages.js';
import { announce, listenArgs } from '../echo/server-args.js';

const argv = process.argv.slice(2);
const configIndex = argv.indexOf('--config');
const config = loadAppConfig(configIndex >= 0 ? argv[configIndex + 1]! : DEFAULT_CONFIG_PATH);
const board = config.boards[0]!;
const { width, height, chunkSize } = board;
const chunksX = Math.ceil(width / chunkSize);
const chunksY = Math.ceil(height / chunkSize);

// Pixels per chunk (chunkSize² each, row-major inside the chunk), versions, and this tick's changes.
const chunkPixels: (Uint8Array | null)[] = new Array(chunksX * chunksY).fill(null);
const versions = new Uint32Array(chunksX * chunksY);
const dirty = new Map<number, { fromVersion: number; offsets: Set<number> }>();

interface Client {
  ws: WebSocket;
  chunks: Set<number>;
}
const clients = new Set<Client>();

const helloJson = (sessionId: string) =>
  JSON.stringify({
    sessionId,
    boards: [{ id: board.id, title: board.title, width, height, chunkSize, palette: board.palette, background: board.background, tileSize: null, policy: board.policy }],
    quotas: [{ board: 0, available: 65535, capacity: 65535, nextInMs: 0 }],
  });

function chunkMessage(chunk: number): Uint8Array {
  const { encoding, bytes } = encodeChunkPixels(chunkPixels[chunk] ?? null);
  return encodeChunk(0, chunk % chunksX, Math.floor(chunk / chunksX), versions[chunk]!, encoding, bytes);
}

function onMessage(client: Client, data: Buffer): void {
  const message = decodeClientMessage(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  switch (message.type) {
    case 'subscribe':
    case 'unsubscribe':
      if (message.board !== 0) return;
      for (let i = 0; i < message.chunks.length; i += 2) {
        const cx = message.chunks[i]!;
        const cy = message.chunks[i + 1]!;
        if (cx >= chunksX || cy >= chunksY) continue;
        const chunk = cy * chunksX + cx;
        if (message.type === 'unsubscribe') client.chunks.delete(chunk);
        else if (!client.chunks.has(chunk)) {
          client.chunks.add(chunk);
          client.ws.send(chunkMessage(chunk));
        }
      }
      return;
    case 'place': {
      const { requestId, x, y, color } = message;
      if (message.board !== 0 || x >= width || y >= height) return void client.ws.send(encodeReject(requestId, RejectReason.INVALID_COORDS, 0));
      if (color >= board.palette.length) return void client.ws.send(encodeReject(requestId, RejectReason.INVALID_COLOR, 0));
      const cx = Math.floor(x / chunkSize);
      const cy = Math.floor(y / chunkSize);
      const chunk = cy * chunksX + cx;
      const offset = (y - cy * chunkSize) * chunkSize + (x - cx * chunkSize);
      const pixels = (chunkPixels[chunk] ??= new Uint8Array(chunkSize * chunkSize).fill(board.background));
      pixels[offset] = color;
      let change = dirty.get(chunk);
      if (!change) dirty.set(chunk, (change = { fromVersion: versions[chunk]!, offsets: new Set() }));
      change.offsets.add(offset);
      versions[chunk]!++;
      client.ws.send(encodeAck(requestId, 1, color));
      return;
    }
    case 'ping':
      client.ws.send(encodePong(message.clientTime, Date.now()));
      return;
    default:
      return; // batches, tiles, malformed: not needed for the benchmark
  }
}

function tick(): void {
  if (dirty.size === 0) return;
  const sections = new Map<number, Uint8Array>();
  for (const [chunk, change] of dirty) {
    const offsets = Uint16Array.from(change.offsets);
    const pixels = chunkPixels[chunk]!;
    sections.set(chunk, encodeDiffSectionValues({
      board: 0,
      cx: chunk % chunksX,
      cy: Math.floor(chunk / chunksX),
      fromVersion: change.fromVersion,
      toVersion: versions[chunk]!,
      offsets,
      colors: Uint8Array.from(offsets, (o) => pixels[o]!),
    }));
  }
  dirty.clear();
  for (const client of clients) {
    const parts: Uint8Array[] = [];
    for (const [chunk, section] of sections) if (client.chunks.has(chunk)) parts.push(section);
    if (parts.length > 0) client.ws.send(encodeDiff(parts));
  }
}

const { port, host } = listenArgs(argv.filter((_, i) => i !== configIndex && i !== configIndex + 1));
const wss = new WebSocketServer({ port, host, path: '/ws', maxPayload: 64 * 1024, perMessageDeflate: false });
wss.on('connection', (ws) => {
  const client: Client = { ws, chunks: new Set() };
  clients.add(client);
  const session = randomBytes(16);
  ws.send(encodeHello(session, helloJson(session.toString('base64url'))));
  ws.on('message', (data, isBinary) => {
    if (isBinary) onMessage(client, data as Buffer);
  });
  ws.on('close', () => clients.delete(client));
  ws.on('error', () => ws.terminate());
});
wss.on('listening', () => announce(host, (wss.address() as AddressInfo).port));
setInterval(tick, 1000 / (config.server.tickRateHz ?? defaultConfig.tickRateHz));
