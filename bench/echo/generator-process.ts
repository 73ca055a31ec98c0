// Runs a load generator child on core 1 and collects its JSON event lines.
import type { ChildProcess } from 'node:child_process';
import { Tail, closed, onLines, spawnPinnedNode, withTimeout } from './children.js';

export const GENERATOR_CPU = 1;

export interface GeneratorEvent {
  event: string;
  [key: string]: unknown;
}

export type EventHandler = (event: GeneratorEvent, child: ChildProcess) => void | Promise<void>;

/**
 * Runs `node <script> <args>` pinned to the generator core, passes every event to
 * `onEvent` (in order) and resolves with the final "result" event once it exits 0.
 */
export async function runGenerator(script: string, args: string[], onEvent: EventHandler, timeoutMs: number): Promise<GeneratorEvent> {
  const child = spawnPinnedNode(GENERATOR_CPU, [script, ...args]);
  const stderr = new Tail();
  let result = null as GeneratorEvent | null; // set from a callback
  let handlerError: unknown = null;
  let handlers = Promise.resolve();

  onLines(child.stderr!, (line) => {
    stderr.push(line);
    console.error(`  [generator] ${line}`);
  });
  onLines(child.stdout!, (line) => {
    let event: GeneratorEvent;
    try {
      event = JSON.parse(line) as GeneratorEvent;
    } catch {
      console.error(`  [generator] ${line}`);
      return;
    }
    if (event.event === 'result') result = event;
    handlers = handlers
      .then(() => onEvent(event, child))
      .catch((err: unknown) => {
        handlerError ??= err;
        child.kill('SIGKILL');
      });
  });

  let status: Awaited<ReturnType<typeof closed>>;
  try {
    status = await withTimeout(closed(child), timeoutMs, `${script} ${args[0] ?? ''}`);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  await handlers;
  if (handlerError) throw handlerError;
  if (status.code !== 0 || !result) {
    throw new Error(`load generator failed (${status.signal ?? `exit ${status.code}`}): ${stderr.toString() || 'no output'}`);
  }
  return result;
}
