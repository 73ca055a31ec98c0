// Throughput: every connection keeps `inFlight` binary messages outstanding (send
// inFlight, then one more per echo) and we count echoes per second.
import { setTimeout as sleep } from 'node:timers/promises';
import { CLOSE_TIMEOUT_MS, HANDSHAKE_TIMEOUT_MS, type GeneratorArgs, type ThroughputConfig } from './config.js';
import { closeAll, openMany } from './connect-many.js';
import { OP_BINARY, maskedFrame } from './frames.js';
import { CpuMeter, emit } from './gen-common.js';
import type { WsClient } from './ws-load-client.js';

export async function runThroughput(cfg: GeneratorArgs<ThroughputConfig>): Promise<void> {
  const opened = await openMany(cfg.target, {
    count: cfg.connections,
    concurrency: cfg.connections,
    localAddresses: cfg.localAddresses,
    timeoutMs: HANDSHAKE_TIMEOUT_MS,
    maxFailures: cfg.connections,
  });
  if (opened.clients.length === 0) throw new Error(`no connection opened: ${JSON.stringify(opened.errors)}`);

  let echoed = 0;
  let malformed = 0;
  let dropped = 0;
  let running = true;
  const payload = Buffer.alloc(cfg.payloadBytes, 0xab);
  for (const client of opened.clients) startPumping(client);

  function startPumping(client: WsClient): void {
    // One masked frame built per connection, repeated so that "send n" is a single write
    // of a prebuilt slice: no per-message allocation.
    const frame = maskedFrame(OP_BINARY, payload, client.mask);
    const batch = Buffer.concat(Array.from({ length: cfg.inFlight }, () => frame));
    const slices = Array.from({ length: cfg.inFlight + 1 }, (_, n) => batch.subarray(0, n * frame.length));
    let received = 0;
    client.onMessage = (_buf, start, end, opcode) => {
      if (opcode !== OP_BINARY || end - start !== cfg.payloadBytes) malformed++;
      received++;
    };
    client.onReadDone = () => {
      echoed += received;
      let n = running ? received : 0;
      received = 0;
      for (; n > 0; n -= cfg.inFlight) client.send(slices[Math.min(n, cfg.inFlight)]!);
    };
    client.onClosed = () => {
      if (running) dropped++;
    };
    client.send(slices[cfg.inFlight]!);
  }

  await sleep(cfg.warmupMs);
  const cpu = new CpuMeter();
  const echoedBefore = echoed;
  const t0 = performance.now();
  emit('measure-start');
  await sleep(cfg.durationMs);
  const seconds = (performance.now() - t0) / 1000;
  const count = echoed - echoedBefore;
  const generatorCpuPercent = cpu.percent();
  emit('measure-end');
  running = false;

  await closeAll(opened.clients, CLOSE_TIMEOUT_MS);
  emit('result', {
    connections: opened.clients.length,
    failedHandshakes: opened.failed,
    handshakeErrors: opened.errors,
    messagesPerSec: count / seconds,
    generatorCpuPercent,
    malformed,
    dropped,
  });
}
