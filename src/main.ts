// Entry point: configuration, logging, listen, graceful shutdown on signals.
import cluster from 'node:cluster';
import { loadConfig } from './config/load.js';
import { superviseWorkers } from './cluster/workers.js';
import { usage } from './config/settings.js';
import { createApp } from './app/app.js';
import { adminCli } from './app/moderation/admin-cli.js';
import { backupDataDirectory } from './storage/sqlite/backup.js';
import { createLogger } from './telemetry/log.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === 'backup') return backup(argv.slice(1));
  if (argv[0] === 'admin') {
    process.exitCode = await adminCli(argv.slice(1));
    return;
  }
  if (argv.includes('--help')) {
    console.log(usage());
    return;
  }
  let config;
  try {
    config = loadConfig(argv, process.env);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage()}`);
    process.exit(2);
  }
  const log = createLogger(config.settings.logLevel);
  if (config.settings.workers > 1 && cluster.isPrimary) return superviseWorkers(config.settings.workers, log);
  let app;
  try {
    app = await createApp(config.settings, config.boards, log);
  } catch (error) {
    // A data directory in use, from a newer version, or not matching the boards: say so, plainly.
    console.error((error as Error).message);
    process.exit(2);
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('shutting down', { signal });
    app.shutdown().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const { host, port } = await app.server.listen();
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  console.log(`listening on http://${shownHost}:${port}`);
}

/** `backup --data-dir DIR --to FILE`: a consistent copy of a data directory, even while its server runs. */
async function backup(argv: string[]): Promise<void> {
  const flag = (name: string) => {
    const at = argv.indexOf(name);
    return at === -1 ? undefined : argv[at + 1];
  };
  const dataDir = flag('--data-dir') ?? process.env.DATA_DIR ?? 'data';
  const to = flag('--to');
  if (to === undefined || to === '') {
    console.error('Usage: node build/src/main.js backup [--data-dir DIR] --to FILE\n\nServe a backup by copying it to tessera.db in an empty data directory.');
    process.exit(2);
  }
  await backupDataDirectory(dataDir, to);
  console.log(`backed up ${dataDir} to ${to}`);
}

process.on('unhandledRejection', (reason) => {
  console.error(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'unhandled rejection', error: String(reason) }));
});

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
