// Transpiles src/, test/ and bench/ to build/ (one .js per .ts, same layout), then
// bundles the browser client (public/src/main.ts) into build/public/app.js next to
// copies of public/*.html, *.css and other static assets.
// Type checking is tsc's job (`npm run typecheck`); esbuild only strips types.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
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

// The browser client: one minified ES module with a source map.
await build({
  entryPoints: ['public/src/main.ts'],
  outfile: 'build/public/app.js',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});

// Static assets sit at the top of public/ (sources live in public/src and are bundled above).
const STATIC_ASSET = /\.(html|css|png|svg|ico|webp|txt|json|webmanifest)$/;
mkdirSync('build/public', { recursive: true });
for (const entry of readdirSync('public', { withFileTypes: true })) {
  if (entry.isFile() && STATIC_ASSET.test(entry.name) && entry.name !== 'tsconfig.json') {
    copyFileSync(join('public', entry.name), join('build/public', entry.name));
  }
}
