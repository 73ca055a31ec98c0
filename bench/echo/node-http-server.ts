// Baseline: node:http answering GET /health with the same JSON shape as ours (keep-alive).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announce, listenArgs } from './server-args.js';

const { port, host } = listenArgs();
const startedAt = performance.now();
let open = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    const body = JSON.stringify({
      status: 'ok',
      uptimeSeconds: Math.round((performance.now() - startedAt) / 10) / 100,
      connections: { http: open, websocket: 0 },
    });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
    res.end(body);
    return;
  }
  res.writeHead(404, { 'Content-Type': 'text/plain', 'Content-Length': 10 });
  res.end('not found\n');
});
server.on('connection', (socket) => {
  open++;
  socket.on('close', () => open--);
});
server.listen(port, host, () => announce(host, (server.address() as AddressInfo).port));
