// A separate process for the contract tests, so that locks, backups and kill -9 are tested
// across real process boundaries:
//   child.js ENGINE write DIR         commits batches forever, printing each committed batch
//   child.js ENGINE open DIR          tries to open DIR; prints "opened" or the error
//   child.js ENGINE backup DIR FILE   backs DIR up to FILE from outside; prints "done"
import { setImmediate as nextTurn } from 'node:timers/promises';
import { harnesses } from './harnesses.js';
import { writerBatch, WRITER_BATCH } from './records.js';

const [engine, mode, dataDir, file] = process.argv.slice(2);
const harness = harnesses[engine!]!;

if (mode === 'write') {
  const storage = await harness.open(dataDir!);
  const ipHash = storage.hashIp('127.0.0.1');
  for (let first = 0; ; first += WRITER_BATCH) {
    const seqs = await storage.commit(writerBatch(first, ipHash));
    process.stdout.write(`${JSON.stringify({ first, seqs })}\n`);
    await nextTurn(); // as a server between ticks: timers (the checkpointer's) and I/O run
  }
} else if (mode === 'open') {
  try {
    const storage = await harness.open(dataDir!);
    console.log('opened');
    await storage.close();
  } catch (error) {
    console.log(`${(error as Error).name}: ${(error as Error).message}`);
  }
} else if (mode === 'backup') {
  await harness.backupFromOutside(dataDir!, file!);
  console.log('done');
}
