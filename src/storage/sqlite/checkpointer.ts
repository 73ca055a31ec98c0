// Checkpoints off the event loop. In WAL mode with synchronous = NORMAL a commit never waits for
// the disk, but a checkpoint (copying the log into the database) fsyncs both files, which can
// take hundreds of milliseconds on a busy disk. SQLite's automatic checkpoint would run it inside
// whichever commit crossed its threshold, on the event loop; here a worker thread with its own
// connection does it (checkpoint-worker.ts), every CHECKPOINT_INTERVAL_MS.
//
// The log only starts over from its beginning when a write finds all of it copied, which never
// happens while commits keep coming during every checkpoint: it would grow without end. So once
// it holds more than RESTART_BYTES, a second checkpoint copies what was written during the
// first, and commits wait (`restarting`) for a third, which copies the little written during the
// second; the next commit then starts the log over.
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { CheckpointRequest, CheckpointResult } from './checkpoint-worker.js';

const CHECKPOINT_INTERVAL_MS = 1000;
const RESTART_BYTES = 64 * 1024 * 1024;

export class Checkpointer {
  /** While set, commits wait for it: the log is being emptied so that it can start over. */
  restarting: Promise<void> | null = null;
  private readonly worker: Worker;
  private readonly replies: { resolve(result: CheckpointResult): void; reject(error: Error): void }[] = [];
  private readonly stopped = new AbortController();
  private readonly loopDone: Promise<void>;
  private readonly exited: Promise<void>;
  private readonly restartFrames: number;

  /**
   * `file`: a database in WAL mode whose own connections run with wal_autocheckpoint = 0.
   * `onFailure`: the thread died; the caller must checkpoint some other way.
   */
  constructor(file: string, pageSize: number, onFailure: (error: Error) => void, restartBytes = RESTART_BYTES) {
    this.restartFrames = restartBytes / pageSize;
    this.worker = new Worker(new URL('./checkpoint-worker.js', import.meta.url), { workerData: { file } });
    this.worker.unref(); // a forgotten close must not keep the process alive
    this.worker.on('message', (result: CheckpointResult) => this.replies.shift()?.resolve(result));
    this.worker.on('error', (error) => {
      this.stopped.abort();
      for (const reply of this.replies.splice(0)) reply.reject(error);
      onFailure(error);
    });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.loopDone = this.loop().catch(() => undefined); // a failure went to onFailure
  }

  /** Runs a checkpoint now (queued behind one in progress). */
  checkpoint(): Promise<CheckpointResult> {
    return new Promise((resolve, reject) => {
      this.replies.push({ resolve, reject });
      this.send('checkpoint');
    });
  }

  /** Ends the schedule, closes the thread's connection and ends the thread. */
  async stop(): Promise<void> {
    this.worker.ref(); // awaiting its exit must keep the process alive until then
    this.stopped.abort();
    await this.loopDone;
    this.send('stop');
    await this.exited;
  }

  /** One round of the schedule: a checkpoint, and if the log has grown long, the restart. */
  async cycle(): Promise<'checkpointed' | 'restarted'> {
    const { log } = await this.checkpoint();
    if (log <= this.restartFrames) return 'checkpointed';
    await this.checkpoint();
    this.restarting = this.checkpoint().then(() => undefined);
    await this.restarting.finally(() => (this.restarting = null));
    return 'restarted';
  }

  private async loop(): Promise<void> {
    const { signal } = this.stopped;
    while (!signal.aborted) {
      await sleep(CHECKPOINT_INTERVAL_MS, undefined, { signal, ref: false }).catch(() => undefined);
      if (!signal.aborted) await this.cycle();
    }
  }

  private send(request: CheckpointRequest): void {
    this.worker.postMessage(request);
  }
}
