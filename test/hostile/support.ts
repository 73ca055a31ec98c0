// What every hostile test checks after its attack: a normal client is still served,
// fast. A HealthProbe is that client: one keep-alive connection asking GET /health.
import * as assert from 'uvu/assert';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** How long a normal client may wait for /health after an attack (loopback, a shared 2-core machine). */
export const SERVED_WITHIN_MS = 250;

/** Where a normal client connects to (the server's host) and from (a local address). */
export interface ClientAddress {
  host?: string;         // default 127.0.0.1
  localAddress?: string; // e.g. 127.0.0.2, to be another IP than an attacker on 127.0.0.1
}

export class HealthProbe {
  private constructor(private readonly socket: Socket) {}

  static open(port: number, from: ClientAddress = {}): Promise<HealthProbe> {
    const { host = '127.0.0.1', localAddress } = from;
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, ...(localAddress ? { localAddress } : {}) }, () => {
        socket.off('error', reject);
        resolve(new HealthProbe(socket));
      });
      socket.once('error', reject);
    });
  }

  /** One GET /health; resolves with its latency in ms once the whole 200 is in. */
  async get(): Promise<number> {
    return (await this.measure()).wallMs;
  }

  /**
   * One GET /health: its latency, and the CPU time this process spent meanwhile. On a shared
   * machine the process may wait for a core however well the server behaves; then the CPU
   * time stays small while the wall time grows. A server blocked by its own work spends both.
   */
  measure(): Promise<{ wallMs: number; cpuMs: number }> {
    const { socket } = this;
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    return new Promise((resolve, reject) => {
      let received = '';
      const done = (error?: Error) => {
        socket.off('data', onData);
        socket.off('close', onClose);
        if (error) return reject(error);
        const cpu = process.cpuUsage(cpuStart);
        resolve({ wallMs: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000 });
      };
      const onData = (chunk: Buffer) => {
        received += chunk.toString('latin1');
        const end = received.indexOf('\r\n\r\n');
        if (end === -1) return;
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(received.slice(0, end))?.[1] ?? -1);
        if (received.length < end + 4 + length) return;
        if (!received.startsWith('HTTP/1.1 200 ')) return done(new Error(`/health answered ${received.slice(0, 40)}`));
        done();
      };
      const onClose = () => done(new Error('the server closed the /health connection'));
      socket.on('data', onData);
      socket.on('close', onClose);
      socket.write('GET /health HTTP/1.1\r\nHost: probe\r\n\r\n');
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * Asserts that a new client gets GET /health within `withinMs`, counted as in
 * HealthProbe.measure: the wall time, or this process's CPU time meanwhile if smaller.
 */
export async function assertServed(port: number, from: ClientAddress = {}, withinMs = SERVED_WITHIN_MS): Promise<void> {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  const probe = await HealthProbe.open(port, from);
  try {
    await probe.get();
  } finally {
    probe.close();
  }
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  const elapsed = Math.min(wallMs, (cpu.user + cpu.system) / 1000);
  assert.ok(elapsed < withinMs, `/health took ${elapsed.toFixed(1)} ms after the attack (limit ${withinMs} ms; wall ${wallMs.toFixed(1)} ms)`);
}

/** The value of `tessera_http_responses_total{status}` on the server's /metrics registry text. */
export function responsesWithStatus(metricsText: string, status: number): number {
  return Number(new RegExp(`tessera_http_responses_total\\{status="${status}"\\} (\\d+)`).exec(metricsText)?.[1] ?? 0);
}

/** The q-quantile of `values` (sorts them in place). */
export function quantile(values: number[], q: number): number {
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.floor(q * values.length))]!;
}

/** Resolves once `condition()` holds (checked every few ms); rejects after `deadlineMs`, a safety net. */
export async function waitFor(condition: () => boolean, deadlineMs: number, what = 'condition'): Promise<void> {
  const giveUpAt = performance.now() + deadlineMs;
  while (!condition()) {
    if (performance.now() > giveUpAt) throw new Error(`${what} not met within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
