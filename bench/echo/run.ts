// Echo benchmark runner:
//   node build/bench/echo/run.js [--only a,b] [--servers x,y] [--quick] [--latency-period-ms 100]
// For each scenario and each server (ours first, then its baselines): start the server on
// core 0, run the load generator on core 1, stop the server. Prints a Markdown table and
// writes it to bench/results/echo-<date>.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from './children.js';
import { SCENARIOS, settings, type ScenarioName, type Settings } from './config.js';
import { scenarios, type Scenario } from './scenarios.js';
import { RunningServer, type ServerSpec } from './server-process.js';
import { renderNotes, renderTable, type Outcome, type Results } from './table.js';

/** How our server is started (the runner adds flags that lift its per-IP and total limits). */
const OURS_COMMAND = ['build/src/main.js', '--port', '0', '--host', '127.0.0.1', '--echo', '--data-dir', ''];
const OURS_LIMIT_FLAGS = ['--max-connections', '20000', '--max-connections-per-ip', '20000', '--connection-rate-per-ip', '1000000', '--connection-burst-per-ip', '1000000', '--log-level', 'warn'];

// Node flags exactly as `npm start` passes them (package.json "config.nodeFlags").
const OURS_NODE_FLAGS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).config?.nodeFlags ?? '').split(' ').filter(Boolean);

const listen = ['--port', '0', '--host', '127.0.0.1'];
const SERVERS: Record<string, ServerSpec> = {
  ours: { name: 'ours', args: [...OURS_COMMAND, ...OURS_LIMIT_FLAGS], nodeFlags: OURS_NODE_FLAGS },
  ws: { name: 'ws', args: ['build/bench/echo/ws-echo-server.js', ...listen] },
  'bare-net': { name: 'bare-net', args: ['build/bench/echo/bare-net-echo-server.js', ...listen] },
  'node-http': { name: 'node-http', args: ['build/bench/echo/node-http-server.js', ...listen] },
};

function options() {
  const usage = `usage: node build/bench/echo/run.js [--only ${SCENARIOS.join(',')}] [--servers ${Object.keys(SERVERS).join(',')}] [--quick] [--latency-period-ms 100]`;
  try {
    const { values } = parseArgs({
      options: {
        only: { type: 'string' },
        servers: { type: 'string' },
        quick: { type: 'boolean' },
        'latency-period-ms': { type: 'string' },
        help: { type: 'boolean' },
      },
    });
    if (values.help) throw new Error('');
    const only = values.only ? values.only.split(',') : [...SCENARIOS];
    const servers = values.servers ? values.servers.split(',') : Object.keys(SERVERS);
    const unknown = [...only.filter((s) => !SCENARIOS.includes(s as ScenarioName)), ...servers.filter((s) => !SERVERS[s])];
    if (unknown.length > 0) throw new Error(`unknown: ${unknown.join(', ')}`);
    const latencyPeriodMs = Number(values['latency-period-ms'] ?? 100);
    if (!(latencyPeriodMs > 0)) throw new Error('--latency-period-ms needs a positive number');
    return { only: only as ScenarioName[], servers, settings: settings(values.quick ?? false, latencyPeriodMs), quick: values.quick ?? false };
  } catch (err) {
    console.error(`${(err as Error).message}\n${usage}`.trim());
    process.exit(64);
  }
}

async function measureOne(scenario: Scenario, spec: ServerSpec, config: Settings): Promise<Outcome> {
  if (spec.name === 'ours' && !existsSync(join(ROOT, OURS_COMMAND[0]!))) {
    return { kind: 'skipped', reason: `${OURS_COMMAND[0]} not found (build our server first)` };
  }
  let server: RunningServer | undefined;
  try {
    server = await RunningServer.start(spec);
    const m = await scenario.measure(server, config);
    if (!server.alive) m.notes.push('server exited during the run');
    return { kind: 'measured', m };
  } catch (err) {
    const output = server?.recentOutput();
    return { kind: 'failed', error: (err as Error).message + (output ? `\nserver output:\n${output}` : '') };
  } finally {
    await server?.stop();
  }
}

async function main(): Promise<void> {
  const opts = options();
  const selected = opts.only.map((name) => [name, scenarios[name]] as [ScenarioName, Scenario]);
  const results: Results = new Map();
  for (const [name, scenario] of selected) {
    const byServer = new Map<string, Outcome>();
    results.set(name, byServer);
    for (const server of ['ours', ...scenario.baselines].filter((s) => opts.servers.includes(s))) {
      console.error(`[${name}] ${server} …`);
      const outcome = await measureOne(scenario, SERVERS[server]!, opts.settings);
      byServer.set(server, outcome);
      if (outcome.kind === 'measured') console.error(`[${name}] ${server}: ${JSON.stringify(outcome.m.values)}`);
      else console.error(`[${name}] ${server}: ${outcome.kind === 'skipped' ? outcome.reason : outcome.error}`);
    }
  }

  const date = new Date().toISOString().slice(0, 19).replace(/:/g, '-');
  const notes = renderNotes(results);
  const report = [
    `# Echo benchmarks ${date}${opts.quick ? ' (quick)' : ''}`,
    '',
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}; server pinned to core 0, ` +
      'load generator to core 1 (taskset). ↑ higher is better, ↓ lower is better; ratio = ours ÷ baseline.',
    '',
    'Load:',
    ...selected.map(([name, scenario]) => `- ${name}: ${scenario.describe(opts.settings)}`),
    '',
    renderTable(selected, results),
    ...(notes.length > 0 ? ['', 'Notes:', ...notes.map((n) => `- ${n}`)] : []),
    '',
  ].join('\n');
  console.log(report);
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `echo-${date}.md`);
  writeFileSync(file, report);
  console.error(`written to ${file}`);
}

await main();
