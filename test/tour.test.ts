// docs/TOUR.md points at code by line: every such link must land on the line
// that defines (or holds) the name it shows, and every file it names must exist.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';

const tour = readFileSync('docs/TOUR.md', 'utf8');

test('every [`name`](../file#Ln) link of docs/TOUR.md lands on a line that holds the name', () => {
  const links = [...tour.matchAll(/\[`([^`]+)`\]\(\.\.\/([^)#]+)#L(\d+)\)/g)];
  assert.ok(links.length >= 30, `${links.length} links`);
  const wrong: string[] = [];
  for (const [, name, file, line] of links) {
    const lines = readFileSync(file!, 'utf8').split('\n');
    const identifier = name!.split('.').pop()!;
    if (!(lines[Number(line) - 1] ?? '').includes(identifier)) {
      const actual = lines.findIndex((text) => new RegExp(`(function|class|private|^\\s+)\\s*${identifier}\\b`).test(text));
      wrong.push(`${name} is not on ${file}:${line}${actual >= 0 ? ` (line ${actual + 1}? node scripts/tour-links.mjs --fix)` : ''}`);
    }
  }
  assert.equal(wrong, []);
});

test('every file docs/TOUR.md names exists', () => {
  const files = new Set([...tour.matchAll(/`((?:src|test|public)\/[\w/.-]+\.ts)`/g)].map((match) => match[1]!));
  assert.ok(files.size >= 20);
  assert.equal([...files].filter((file) => !existsSync(file)), []);
});

test.run();
