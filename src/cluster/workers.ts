// --workers N: this process becomes a supervisor of N worker processes (node:cluster) that share
// its listening port; each worker is a whole server and a cluster member (--redis), so one
// mechanism serves one machine and many. A worker that dies is replaced; a signal stops them all.
import cluster from 'node:cluster';
import type { Logger } from '../telemetry/log.js';

const RESTART_DELAY_MS = 1_000;

export function superviseWorkers(count: number, log: Logger): void {
  let stopping = false;
  const fork = () => cluster.fork();
  for (let i = 0; i < count; i++) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    log.error('worker died: starting another', { pid: worker.process.pid, code, signal });
    setTimeout(fork, RESTART_DELAY_MS).unref();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info('stopping workers', { signal });
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(0);
    for (const worker of workers) worker?.process.kill(signal);
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
