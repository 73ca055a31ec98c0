// Transpiles src/, test/ and bench/ to build/ (one .js per .ts, same layout), then
// bundles the browser client (public/src/main.ts) into build/public/app.js (and the wire
// inspector's page, public/src/inspect.ts, into inspect.js) next to
// copies of public/*.html, *.css and other static assets, and the same with the browser
// tests' hooks (public/src/main-test.ts) into build/public-test/.
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

// The browser client: one minified ES module with a source map, next to copies of the
// static assets (which sit at the top of public/; sources live in public/src). Twice: the
// production client, and the test build whose app.js also installs window.__tessera for
// the browser tests (test/browser serves build/public-test).
const CLIENTS = [
  { entry: 'public/src/main.ts', dir: 'build/public' },
  { entry: 'public/src/main-test.ts', dir: 'build/public-test' },
];
// The wire inspector's page (GET /inspect): its own small bundle beside app.js.
const PAGES = [{ entry: 'public/src/inspect.ts', file: 'inspect.js' }];
const STATIC_ASSET = /\.(html|css|png|svg|ico|webp|txt|json|webmanifest)$/;
for (const { entry, dir } of CLIENTS) {
  await build({
    entryPoints: [entry],
    outfile: join(dir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  for (const page of PAGES) {
    await build({
      entryPoints: [page.entry],
      outfile: join(dir, page.file),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      sourcemap: true,
      logLevel: 'warning',
    });
  }
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync('public', { withFileTypes: true })) {
    if (file.isFile() && STATIC_ASSET.test(file.name) && file.name !== 'tsconfig.json') {
      copyFileSync(join('public', file.name), join(dir, file.name));
    }
  }
}
