// Load generator child: `node build/bench/echo/generator.js <scenario> '<json config>'`.
// Prints JSON event lines on stdout, the last one {"event":"result",...}; exits 0 on success.
import { exitWithParent } from './gen-common.js';
import { runConnections } from './gen-connections.js';
import { runLatency } from './gen-latency.js';
import { runThroughput } from './gen-throughput.js';

const scenarios: Record<string, (cfg: never) => Promise<void>> = {
  throughput: runThroughput,
  latency: runLatency,
  connections: runConnections,
};

const [scenario = '', json = '{}'] = process.argv.slice(2);
const run = scenarios[scenario];
if (!run) {
  console.error(`usage: generator.js <${Object.keys(scenarios).join('|')}> <json config>`);
  process.exit(64);
}
exitWithParent();
try {
  await run(JSON.parse(json) as never);
  process.exit(0);
} catch (err) {
  console.error(`generator (${scenario}) failed:`, err);
  process.exit(1);
}
