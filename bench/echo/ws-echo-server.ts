// Baseline: WebSocket echo on the `ws` package, echoing each message with its opcode.
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { announce, listenArgs } from './server-args.js';

const { port, host } = listenArgs();
const wss = new WebSocketServer({ port, host, path: '/echo', maxPayload: 16 * 1024 * 1024 });
wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => ws.terminate());
});
wss.on('listening', () => announce(host, (wss.address() as AddressInfo).port));
