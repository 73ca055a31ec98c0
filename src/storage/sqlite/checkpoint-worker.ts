// The checkpointer's thread (checkpointer.ts): its own connection copies the write-ahead log into
// the database when asked. PASSIVE: it never blocks the writer; it copies what the log holds
// when it starts.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

export interface CheckpointResult {
  /** Frames in the log when the checkpoint began, and how many of them are now in the database. */
  log: number;
  checkpointed: number;
}

export type CheckpointRequest = 'checkpoint' | 'stop';

const { file } = workerData as { file: string };
const db = new Database(file, { fileMustExist: true });
db.pragma('synchronous = NORMAL'); // a checkpoint fsyncs the log before and the database after copying

parentPort!.on('message', (request: CheckpointRequest) => {
  if (request === 'checkpoint') {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as CheckpointResult[];
    parentPort!.postMessage({ log: result!.log, checkpointed: result!.checkpointed });
  } else {
    db.close();
    parentPort!.close();
  }
});
