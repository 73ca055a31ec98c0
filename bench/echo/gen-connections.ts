// Connections: opens many WebSocket connections (bounded handshakes in flight) and
// reports handshakes/s over the whole ramp; then holds them idle until the runner has
// read the server's memory and sends "close".
import { CLOSE_TIMEOUT_MS, HANDSHAKE_TIMEOUT_MS, type ConnectionsConfig, type GeneratorArgs } from './config.js';
import { closeAll, openMany } from './connect-many.js';
import { CpuMeter, emit, waitForCommand } from './gen-common.js';

export async function runConnections(cfg: GeneratorArgs<ConnectionsConfig>): Promise<void> {
  const cpu = new CpuMeter();
  emit('measure-start');
  const opened = await openMany(cfg.target, {
    count: cfg.connections,
    concurrency: cfg.concurrency,
    localAddresses: cfg.localAddresses,
    timeoutMs: HANDSHAKE_TIMEOUT_MS,
    maxFailures: Math.max(100, cfg.connections / 10),
  });
  const generatorCpuPercent = cpu.percent();
  emit('measure-end');

  let dropped = 0;
  for (const client of opened.clients) client.onClosed = () => dropped++;
  const ramp = {
    connections: opened.clients.length,
    failedHandshakes: opened.failed,
    handshakeErrors: opened.errors,
    rampMs: opened.elapsedMs,
    handshakesPerSec: opened.clients.length / (opened.elapsedMs / 1000),
    generatorCpuPercent,
  };
  emit('ready', ramp);

  await waitForCommand('close');
  const droppedWhileIdle = dropped;
  const closeStart = performance.now();
  await closeAll(opened.clients, CLOSE_TIMEOUT_MS);
  emit('result', { ...ramp, droppedWhileIdle, closeMs: performance.now() - closeStart });
}
