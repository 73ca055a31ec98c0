// Latency: every connection sends one message per period, the connections' phases spread
// evenly over the period (an open-loop, constant total rate). Each message carries its
// send time (performance.now(), float64 LE) and the round trip is measured on its echo.
import { setTimeout as sleep } from 'node:timers/promises';
import { CLOSE_TIMEOUT_MS, HANDSHAKE_TIMEOUT_MS, type GeneratorArgs, type LatencyConfig } from './config.js';
import { closeAll, openMany } from './connect-many.js';
import { OP_BINARY, maskedFrame } from './frames.js';
import { CpuMeter, emit } from './gen-common.js';

export async function runLatency(cfg: GeneratorArgs<LatencyConfig>): Promise<void> {
  const opened = await openMany(cfg.target, {
    count: cfg.connections,
    concurrency: cfg.concurrency,
    localAddresses: cfg.localAddresses,
    timeoutMs: HANDSHAKE_TIMEOUT_MS,
    maxFailures: Math.max(50, cfg.connections / 10),
  });
  const clients = opened.clients;
  const n = clients.length;
  if (n === 0) throw new Error(`no connection opened: ${JSON.stringify(opened.errors)}`);
  emit('connected', { connections: n, failed: opened.failed, elapsedMs: opened.elapsedMs });

  const slotMs = cfg.periodMs / n; // one send per slot, round-robin over the connections
  const t0 = performance.now();
  const windowStart = t0 + cfg.warmupMs;
  const windowEnd = windowStart + cfg.durationMs;
  const totalSends = Math.floor((cfg.warmupMs + cfg.durationMs) / slotMs);
  const rtts = new Float64Array(Math.ceil((cfg.durationMs / slotMs) * 1.05) + n);
  let samples = 0;
  let sentInWindow = 0;
  let sendsQueued = 0; // sends that found earlier bytes still queued in user space
  let malformed = 0;
  let dropped = 0;
  let stopped = false;
  let onDrained: (() => void) | null = null;

  const payload = Buffer.alloc(cfg.payloadBytes);
  const frames = clients.map((c) => maskedFrame(OP_BINARY, payload, c.mask));
  const payloadAt = frames[0]!.length - cfg.payloadBytes;

  for (const client of clients) {
    client.onMessage = (buf, start, end, opcode) => {
      if (opcode !== OP_BINARY || end - start !== cfg.payloadBytes) {
        malformed++;
        return;
      }
      const sentAt = buf.readDoubleLE(start);
      if (sentAt < windowStart || sentAt >= windowEnd) return;
      if (samples < rtts.length) rtts[samples++] = performance.now() - sentAt;
      if (onDrained && samples === sentInWindow) onDrained();
    };
    client.onClosed = () => {
      if (!stopped) dropped++;
    };
  }

  function send(i: number): void {
    const client = clients[i]!;
    // A frame still queued from an earlier write must not be overwritten: use a new one.
    if (client.pendingBytes > 0) {
      frames[i] = Buffer.from(frames[i]!);
      sendsQueued++;
    }
    const frame = frames[i]!;
    const now = performance.now();
    frame.writeDoubleLE(now, payloadAt);
    for (let j = 0; j < 8; j++) frame[payloadAt + j]! ^= client.mask[j & 3]!;
    if (now >= windowStart && now < windowEnd) sentInWindow++;
    client.send(frame);
  }

  let sent = 0;
  const ticker = setInterval(() => {
    const due = Math.min(Math.floor((performance.now() - t0) / slotMs), totalSends);
    for (; sent < due; sent++) send(sent % n);
  }, 1);

  await sleep(cfg.warmupMs);
  const cpu = new CpuMeter();
  emit('measure-start');
  await sleep(Math.max(0, windowEnd - performance.now()));
  const generatorCpuPercent = cpu.percent();
  emit('measure-end');
  clearInterval(ticker);

  if (samples < sentInWindow) {
    await Promise.race([new Promise<void>((resolve) => (onDrained = resolve)), sleep(cfg.drainMs)]);
  }
  stopped = true;
  const result = summarize(rtts.subarray(0, samples));
  await closeAll(clients, CLOSE_TIMEOUT_MS);
  emit('result', {
    connections: n,
    failedHandshakes: opened.failed,
    handshakeErrors: opened.errors,
    connectMs: opened.elapsedMs,
    sentPerSec: sentInWindow / (cfg.durationMs / 1000),
    lost: sentInWindow - samples,
    sendsQueued,
    malformed,
    dropped,
    generatorCpuPercent,
    ...result,
  });
}

function summarize(rtts: Float64Array): Record<string, number> {
  if (rtts.length === 0) return { samples: 0 };
  rtts.sort();
  const at = (q: number) => rtts[Math.min(rtts.length - 1, Math.floor(q * rtts.length))]!;
  let sum = 0;
  for (const v of rtts) sum += v;
  return {
    samples: rtts.length,
    meanMs: sum / rtts.length,
    p50Ms: at(0.5),
    p90Ms: at(0.9),
    p99Ms: at(0.99),
    p999Ms: at(0.999),
    maxMs: rtts[rtts.length - 1]!,
  };
}
