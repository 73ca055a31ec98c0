// The client bundles of scripts/build.mjs: the browser tests' hooks are in the test build only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';

test('the production client carries no test hooks; the test build does', () => {
  const production = readFileSync('build/public/app.js', 'utf8');
  const testBuild = readFileSync('build/public-test/app.js', 'utf8');
  assert.not.ok(production.includes('__tessera'), 'build/public/app.js has no window.__tessera');
  assert.ok(testBuild.includes('__tessera'), 'build/public-test/app.js installs window.__tessera');
});

test.run();
