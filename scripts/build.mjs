// Transpiles src/, test/ and bench/ to build/ (one .js per .ts, same layout).
// Type checking is tsc's job (`npm run typecheck`); esbuild only strips types.
import { build } from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

function tsFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

rmSync('build', { recursive: true, force: true });
await build({
  entryPoints: ['src', 'test', 'bench'].flatMap(tsFiles),
  outdir: 'build',
  outbase: '.',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
});
