// Opens many WebSocket connections with a bounded number of handshakes in flight,
// spreading them over several loopback source addresses (each has its own ephemeral
// port range, and a bounded ramp avoids SYN/accept backlog drops).
import { WsClient, type Target } from './ws-load-client.js';

export interface OpenManyOptions {
  count: number;
  concurrency: number;
  localAddresses: string[];
  timeoutMs: number;
  /** Stop opening new connections once this many have failed. */
  maxFailures: number;
}

export interface OpenManyResult {
  clients: WsClient[];
  failed: number;
  /** Failure messages with their counts, most frequent first. */
  errors: [string, number][];
  elapsedMs: number;
}

export async function openMany(target: Target, opts: OpenManyOptions): Promise<OpenManyResult> {
  const clients: WsClient[] = [];
  const errors = new Map<string, number>();
  let next = 0;
  let failed = 0;
  const started = performance.now();

  const worker = async (): Promise<void> => {
    while (next < opts.count && failed < opts.maxFailures) {
      const i = next++;
      const localAddress = opts.localAddresses[i % opts.localAddresses.length];
      try {
        clients.push(await WsClient.open(target, localAddress, opts.timeoutMs));
      } catch (err) {
        failed++;
        const message = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        errors.set(message, (errors.get(message) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, opts.count) }, worker));

  return {
    clients,
    failed,
    errors: [...errors].sort((a, b) => b[1] - a[1]),
    elapsedMs: performance.now() - started,
  };
}

/** Closes every client (close handshake, reset after `timeoutMs`). */
export async function closeAll(clients: WsClient[], timeoutMs: number): Promise<void> {
  await Promise.all(clients.map((c) => c.close(timeoutMs)));
}
