// Runs every compiled test file with uvu and ends with the plain line
// "N passed, N failed" that CI counts. A run that executes no test fails.
import { spawn } from 'node:child_process';

const child = spawn(process.execPath, ['node_modules/uvu/bin.js', 'build/test', '\\.test\\.js$'], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, FORCE_COLOR: '0' },
});
let output = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  output += chunk.toString('utf8');
  if (output.length > 1_000_000) output = output.slice(-100_000);
});
child.on('close', (code, signal) => {
  const total = Number(/Total:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const passed = Number(/Passed:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const failed = total - passed;
  const finished = /Total:/.test(output);
  if (!finished) console.log(`test runner stopped early (exit ${code}, signal ${signal})`);
  console.log(`${passed} passed, ${finished ? failed : Math.max(failed, 1)} failed`);
  process.exitCode = code === 0 && finished && total > 0 && failed === 0 ? 0 : 1;
});
