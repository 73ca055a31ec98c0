// Moves every [`name`](../file#Ln) link of docs/TOUR.md to the line where `name` is now
// defined, after code moved. test/tour.test.ts checks the links; this repairs them.
//   node scripts/tour-links.mjs          # list the links that moved
//   node scripts/tour-links.mjs --fix    # and rewrite docs/TOUR.md
import { readFileSync, writeFileSync } from 'node:fs';

const path = 'docs/TOUR.md';
const fix = process.argv.includes('--fix');
let moved = 0;
const tour = readFileSync(path, 'utf8').replace(/\[`([^`]+)`\]\(\.\.\/([^)#]+)#L(\d+)\)/g, (link, name, file, line) => {
  const lines = readFileSync(file, 'utf8').split('\n');
  const identifier = name.split('.').pop();
  if ((lines[Number(line) - 1] ?? '').includes(identifier)) return link;
  const found = lines.findIndex((text) => new RegExp(`(function|class|private|^\\s+)\\s*${identifier}\\b`).test(text));
  if (found < 0) {
    console.log(`${name}: not found in ${file} (fix by hand)`);
    return link;
  }
  moved++;
  console.log(`${name}: ${file}:${line} → ${found + 1}`);
  return `[\`${name}\`](../${file}#L${found + 1})`;
});
if (fix && moved > 0) writeFileSync(path, tour);
console.log(`${moved} link(s) moved${fix && moved > 0 ? ', docs/TOUR.md rewritten' : ''}`);
