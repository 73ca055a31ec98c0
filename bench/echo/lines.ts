// Line-oriented reading of a stream (a child's stdout, our stdin), with no side
// effects on import, so that the preloaded server hooks and the generators can use it.
import type { Readable } from 'node:stream';

/** Calls `onLine` for every complete line of `stream`. */
export function onLines(stream: Readable, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) onLine(line);
  });
}
