// Issue 9 F1, reproduced: connections that pipeline expensive GETs and never read.
// Starts the product server as a child process, writes a pixel into mosaic chunk (0, 0),
// opens `--connections` sockets that each send `--kb` KiB of pipelined requests for
// `--path` and never read, and meanwhile asks GET /health every 20 ms on a normal
// keep-alive connection. Prints /health latency (p50, p99, max) and the server's RSS
// (before, peak, after) from /proc.
//
//   node scripts/build.mjs && node build/bench/hostile/pipeline-flood.js \
//     --connections 1 --kb 60 --path /api/boards/mosaic/overview/0/versions --seconds 8
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1]!;
}
const connections = Number(arg('connections', '1'));
const kib = Number(arg('kb', '60'));
const path = arg('path', '/api/boards/mosaic/overview/0/versions');
const gzip = arg('gzip', 'yes') === 'yes';
const seconds = Number(arg('seconds', '8'));

function rssMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** One request on a keep-alive socket; resolves with the response's status once the whole body is in. */
function request(socket: Socket, head: string, body = ''): Promise<number> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length: (\d+)/i.exec(data.toString('latin1', 0, end))?.[1] ?? 0);
      if (data.length < end + 4 + length) return;
      socket.off('data', onData);
      socket.off('close', onClose);
      resolve(Number(data.toString('latin1', 9, 12)));
    };
    const onClose = () => reject(new Error('closed'));
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.write(head + body);
  });
}

const child = spawn(process.execPath, ['--max-semi-space-size=2', 'build/src/main.js', '--port', '0', '--host', '127.0.0.1', '--log-level', 'error'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise<number>((resolve) => {
  child.stdout!.on('data', (chunk: Buffer) => {
    const match = /listening on http:\/\/[^:]+:(\d+)/.exec(chunk.toString());
    if (match) resolve(Number(match[1]));
  });
});

try {
  let probe = await open(port);
  const pixel = '{"x":3,"y":4,"color":7}';
  const placed = await request(
    probe,
    `POST /api/boards/mosaic/pixels HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: ${pixel.length}\r\n\r\n`,
    pixel,
  );
  // Warm up: the first answer builds whatever is built once.
  await request(probe, `GET ${path} HTTP/1.1\r\nHost: a\r\n${gzip ? 'Accept-Encoding: gzip\r\n' : ''}\r\n`);
  const before = rssMiB(child.pid!);

  const one = `GET ${path} HTTP/1.1\r\nHost: a\r\n${gzip ? 'Accept-Encoding: gzip\r\n' : ''}\r\n`;
  const flood = one.repeat(Math.ceil((kib * 1024) / one.length));
  const attackers: Socket[] = [];
  for (let i = 0; i < connections; i++) {
    const socket = await open(port);
    socket.pause(); // never read
    socket.on('error', () => {});
    socket.write(flood);
    attackers.push(socket);
  }

  const latencies: number[] = [];
  let dropped = 0; // probes whose connection the server closed (a blocked loop overran its keep-alive deadline)
  let peakRss = before.rss;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const start = process.hrtime.bigint();
    await request(probe, 'GET /health HTTP/1.1\r\nHost: a\r\n\r\n').catch(async () => {
      dropped++;
      probe = await open(port);
    });
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    peakRss = Math.max(peakRss, rssMiB(child.pid!).rss);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const after = rssMiB(child.pid!);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
  console.log(`requests per connection: ${Math.ceil((kib * 1024) / one.length)} × ${path}${gzip ? ' (gzip)' : ''}; pixel POST → ${placed}`);
  console.log(`connections ${connections}: /health ${latencies.length} probes, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms, ${dropped} dropped`);
  const peak = Math.max(peakRss, after.peak); // VmHWM: the high-water mark between samples too
  console.log(`server RSS: before ${before.rss.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB (+${(peak - before.rss).toFixed(0)}), after ${after.rss.toFixed(0)} MiB`);
  for (const socket of attackers) socket.destroy();
  probe.destroy();
} finally {
  child.kill('SIGTERM');
}
