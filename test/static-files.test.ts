import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { StaticFiles, type StaticFile, type StaticLookup } from '../src/net/static-files.js';
import { isCompressible, mimeTypeFor } from '../src/net/mime.js';
import { ManualClock } from './support/manual-clock.js';

// Layout (the sibling "public-evil" catches naive prefix checks):
//   <base>/outside-secret.txt
//   <base>/public-evil/secret
//   <base>/public/index.html, app.js, style.css, logo.png, small.txt, ...
const base = mkdtempSync(join(tmpdir(), 'tessera-static-'));
const root = join(base, 'public');
const bigCss = 'body { color: red; }\n'.repeat(50);
const bigScript = 'console.log("tessera");\n'.repeat(40);
const randomBytes = Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 7919 + 13) % 251));

mkdirSync(root);
mkdirSync(join(base, 'public-evil'));
writeFileSync(join(base, 'public-evil', 'secret'), 'evil sibling');
writeFileSync(join(base, 'outside-secret.txt'), 'outside');
writeFileSync(join(root, 'index.html'), '<!doctype html><title>Tessera</title>');
writeFileSync(join(root, 'app.js'), bigScript);
writeFileSync(join(root, 'style.css'), bigCss);
writeFileSync(join(root, 'logo.png'), randomBytes);
writeFileSync(join(root, 'small.txt'), 'tiny');
writeFileSync(join(root, 'hello world.txt'), 'spaced');
writeFileSync(join(root, 'café.txt'), 'accented');
writeFileSync(join(root, '...'), 'three dots is just a name');
mkdirSync(join(root, 'docs'));
writeFileSync(join(root, 'docs', 'index.html'), '<h1>docs</h1>');
mkdirSync(join(root, 'empty-dir'));
symlinkSync(join(base, 'outside-secret.txt'), join(root, 'escape.txt'));
symlinkSync(join(base, 'public-evil', 'secret'), join(root, 'evil-link'));
symlinkSync(base, join(root, 'escape-dir'));
symlinkSync(join(root, 'small.txt'), join(root, 'inside-link.txt'));

function expectFile(result: StaticLookup): StaticFile {
  if (result.kind !== 'file') throw new Error(`expected a file, got ${result.kind}`);
  return result.file;
}

test.after(() => rmSync(base, { recursive: true, force: true }));

test('serves a plain file with its bytes and MIME type', async () => {
  const files = new StaticFiles(root);
  const file = expectFile(await files.lookup('/small.txt'));
  assert.is(file.body.toString(), 'tiny');
  assert.is(file.mimeType, 'text/plain; charset=utf-8');
});

test('"/" and directory paths serve index.html', async () => {
  const files = new StaticFiles(root);
  const home = expectFile(await files.lookup('/'));
  assert.is(home.body.toString(), '<!doctype html><title>Tessera</title>');
  assert.is(home.mimeType, 'text/html; charset=utf-8');
  assert.is(expectFile(await files.lookup('/docs/')).body.toString(), '<h1>docs</h1>');
  assert.is(expectFile(await files.lookup('/docs')).body.toString(), '<h1>docs</h1>');
});

test('directories without index.html, missing files and non-directories are not found', async () => {
  const files = new StaticFiles(root);
  assert.equal(await files.lookup('/empty-dir/'), { kind: 'not-found' });
  assert.equal(await files.lookup('/empty-dir'), { kind: 'not-found' });
  assert.equal(await files.lookup('/nope.html'), { kind: 'not-found' });
  assert.equal(await files.lookup('/small.txt/'), { kind: 'not-found' });
  assert.equal(await files.lookup('/small.txt/x'), { kind: 'not-found' });
});

test('a missing root is not found, not a crash', async () => {
  const files = new StaticFiles(join(base, 'does-not-exist'));
  assert.equal(await files.lookup('/index.html'), { kind: 'not-found' });
});

test('percent-encoded names decode as UTF-8', async () => {
  const files = new StaticFiles(root);
  assert.is(expectFile(await files.lookup('/hello%20world.txt')).body.toString(), 'spaced');
  assert.is(expectFile(await files.lookup('/caf%C3%A9.txt')).body.toString(), 'accented');
  assert.is(expectFile(await files.lookup('/...')).body.toString(), 'three dots is just a name');
});

test('a relative root works', async () => {
  const files = new StaticFiles(relative(process.cwd(), root));
  assert.is(expectFile(await files.lookup('/small.txt')).body.toString(), 'tiny');
  assert.equal(await files.lookup('/escape.txt'), { kind: 'not-found' });
});

test('ETag is strong, quoted and stable for the same content', async () => {
  const a = expectFile(await new StaticFiles(root).lookup('/app.js'));
  const b = expectFile(await new StaticFiles(root).lookup('/app.js'));
  assert.match(a.etag, /^"[A-Za-z0-9_-]{22}"$/);
  assert.is(a.etag, b.etag);
  const other = expectFile(await new StaticFiles(root).lookup('/style.css'));
  assert.is.not(a.etag, other.etag);
});

test('gzip is present only for compressible files worth compressing', async () => {
  const files = new StaticFiles(root);
  const script = expectFile(await files.lookup('/app.js'));
  assert.ok(script.gzipBody);
  assert.ok(script.gzipBody.length < script.body.length);
  assert.is(gunzipSync(script.gzipBody).toString(), bigScript);

  const css = expectFile(await files.lookup('/style.css'));
  assert.is(css.mimeType, 'text/css; charset=utf-8');
  assert.ok(css.gzipBody);

  const png = expectFile(await files.lookup('/logo.png'));
  assert.is(png.mimeType, 'image/png');
  assert.is(png.gzipBody, null, 'images are not compressible');
  assert.is(expectFile(await files.lookup('/small.txt')).gzipBody, null, 'under 256 bytes');
});

test('concurrent lookups of an uncached path share one load', async () => {
  const files = new StaticFiles(root);
  const [a, b, c] = await Promise.all([files.lookup('/app.js'), files.lookup('/app.js'), files.lookup('//app.js')]);
  assert.is(expectFile(a), expectFile(b));
  assert.is(expectFile(a), expectFile(c), 'empty segments share the cache key');
});

test('cache is reused within a second and revalidated after it', async () => {
  const dir = mkdtempSync(join(base, 'reval-'));
  writeFileSync(join(dir, 'page.html'), 'version one');
  const clock = new ManualClock(1_000_000);
  const files = new StaticFiles(dir, { clock });

  const first = expectFile(await files.lookup('/page.html'));
  writeFileSync(join(dir, 'page.html'), 'version two, longer');
  clock.advance(500);
  assert.is(expectFile(await files.lookup('/page.html')), first, 'still cached');

  clock.advance(600);
  const second = expectFile(await files.lookup('/page.html'));
  assert.is(second.body.toString(), 'version two, longer');
  assert.is.not(second.etag, first.etag);

  clock.advance(1100);
  assert.is(expectFile(await files.lookup('/page.html')), second, 'unchanged file keeps its entry');

  rmSync(join(dir, 'page.html'));
  clock.advance(1100);
  assert.equal(await files.lookup('/page.html'), { kind: 'not-found' });
});

test('a file created after a miss is found (misses are not cached)', async () => {
  const dir = mkdtempSync(join(base, 'late-'));
  const files = new StaticFiles(dir);
  assert.equal(await files.lookup('/late.txt'), { kind: 'not-found' });
  writeFileSync(join(dir, 'late.txt'), 'here now');
  assert.is(expectFile(await files.lookup('/late.txt')).body.toString(), 'here now');
});

test('symlinks inside the root are followed', async () => {
  const files = new StaticFiles(root);
  assert.is(expectFile(await files.lookup('/inside-link.txt')).body.toString(), 'tiny');
});

// Every one of these must be refused before the filesystem is consulted.
const badPaths: Array<[string, string]> = [
  ['/../x', 'parent segment'],
  ['/a/../../x', 'parent segment deeper in'],
  ['/..', 'bare parent'],
  ['/./small.txt', 'current-directory segment'],
  ['/%2e%2e/x', 'encoded parent'],
  ['/%2E%2E/x', 'encoded parent, upper case'],
  ['/.%2e/x', 'half-encoded parent'],
  ['/%2e/small.txt', 'encoded current directory'],
  ['/a%2f..%2f..%2fx', 'encoded slashes'],
  ['/a%2F..%2F..%2Fx', 'encoded slashes, upper case'],
  ['/docs%2findex.html', 'encoded slash, even to a real file'],
  ['/%00', 'encoded NUL'],
  ['/a%00.html', 'NUL truncation'],
  ['/index.html\u0000', 'raw NUL'],
  ['/..\\x', 'backslash parent'],
  ['/%5c..%5cx', 'encoded backslashes'],
  ['/a\\b', 'backslash anywhere'],
  ['/%zz', 'malformed escape'],
  ['/%4', 'truncated escape'],
  ['/abc%', 'lone percent'],
  ['/%C0%AE%C0%AE/x', 'overlong UTF-8 dots'],
  ['/%ff', 'invalid UTF-8'],
  ['/a%0ab', 'encoded newline'],
  ['/a%7fb', 'encoded DEL'],
  ['/a%c2%85b', 'C1 control'],
  ['/../public-evil/secret', 'sibling directory with a shared prefix'],
  ['', 'empty path'],
  ['small.txt', 'no leading slash'],
];

for (const [path, why] of badPaths) {
  test(`bad-path: ${JSON.stringify(path)} (${why})`, async () => {
    assert.equal(await new StaticFiles(root).lookup(path), { kind: 'bad-path' });
  });
}

test('symlink to a file outside the root is not found', async () => {
  assert.equal(await new StaticFiles(root).lookup('/escape.txt'), { kind: 'not-found' });
});

test('symlink into a sibling sharing the root name prefix is not found', async () => {
  assert.equal(await new StaticFiles(root).lookup('/evil-link'), { kind: 'not-found' });
});

test('symlinked directory leading outside the root is not found', async () => {
  const files = new StaticFiles(root);
  assert.equal(await files.lookup('/escape-dir/outside-secret.txt'), { kind: 'not-found' });
  assert.equal(await files.lookup('/escape-dir/public-evil/secret'), { kind: 'not-found' });
  assert.equal(await files.lookup('/escape-dir/'), { kind: 'not-found' });
});

test('a root reached through a symlink still serves its own files', async () => {
  const linkedRoot = join(base, 'linked-root');
  symlinkSync(root, linkedRoot);
  const files = new StaticFiles(linkedRoot);
  assert.is(expectFile(await files.lookup('/small.txt')).body.toString(), 'tiny');
  assert.equal(await files.lookup('/escape.txt'), { kind: 'not-found' });
});

test('mimeTypeFor covers the listed extensions and defaults to octet-stream', () => {
  const expected: Record<string, string> = {
    'a.html': 'text/html; charset=utf-8',
    'a.js': 'text/javascript; charset=utf-8',
    'a.mjs': 'text/javascript; charset=utf-8',
    'a.css': 'text/css; charset=utf-8',
    'a.json': 'application/json',
    'a.svg': 'image/svg+xml',
    'a.png': 'image/png',
    'a.jpg': 'image/jpeg',
    'a.JPEG': 'image/jpeg',
    'a.gif': 'image/gif',
    'a.webp': 'image/webp',
    'a.ico': 'image/x-icon',
    'a.txt': 'text/plain; charset=utf-8',
    'a.js.map': 'application/json',
    'a.wasm': 'application/wasm',
    'a.woff': 'font/woff',
    'a.woff2': 'font/woff2',
    'dir.d/Makefile': 'application/octet-stream',
    '.env': 'application/octet-stream',
    'a.exe': 'application/octet-stream',
    'a.constructor': 'application/octet-stream',
  };
  for (const [path, type] of Object.entries(expected)) assert.is(mimeTypeFor(path), type, path);
});

test('isCompressible accepts text-like types only', () => {
  for (const type of ['text/html; charset=utf-8', 'text/javascript', 'application/json', 'image/svg+xml', 'application/wasm', 'application/xml']) {
    assert.ok(isCompressible(type), type);
  }
  for (const type of ['image/png', 'image/jpeg', 'font/woff2', 'application/octet-stream']) {
    assert.not.ok(isCompressible(type), type);
  }
});

test.run();
