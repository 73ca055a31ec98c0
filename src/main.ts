// Entry point: configuration, logging, listen, graceful shutdown on signals.
import { loadConfig } from './config/load.js';
import { usage } from './config/settings.js';
import { createApp } from './app/app.js';
import { createLogger } from './telemetry/log.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
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

process.on('unhandledRejection', (reason) => {
  console.error(JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'unhandled rejection', error: String(reason) }));
});

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
