// HTTP load generator child: autocannon (programmatic API) against one URL, a warm-up
// run then the measured run, with the same JSON event lines as generator.js.
// `node build/bench/echo/http-load.js '{"url":…,"connections":50,"pipelining":1,"warmupS":2,"durationS":10}'`
import autocannon from 'autocannon';
import type { HttpConfig } from './config.js';
import { CpuMeter, emit, exitWithParent } from './gen-common.js';

type Args = HttpConfig & { url: string };

async function main(cfg: Args): Promise<void> {
  const options = { url: cfg.url, connections: cfg.connections, pipelining: cfg.pipelining };
  await autocannon({ ...options, duration: cfg.warmupS });
  const cpu = new CpuMeter();
  emit('measure-start');
  const r = await autocannon({ ...options, duration: cfg.durationS });
  const generatorCpuPercent = cpu.percent();
  emit('measure-end');
  emit('result', {
    requestsPerSec: r.requests.average,
    totalRequests: r.requests.total,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    latencyMaxMs: r.latency.max,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    generatorCpuPercent,
  });
}

exitWithParent();
try {
  await main(JSON.parse(process.argv[2] ?? '{}') as Args);
  process.exit(0);
} catch (err) {
  console.error('http load generator failed:', err);
  process.exit(1);
}
