// What every connection needs from the server that owns it.
import type { ServerConfig } from '../config/settings.js';
import type { Logger } from '../telemetry/log.js';
import type { ServerMetrics } from '../telemetry/server-metrics.js';
import type { Router } from './router.js';
import type { Sweeper } from './sweeper.js';
import type { StaticFiles } from './static-files.js';

export interface ServerContext {
  config: ServerConfig;
  log: Logger;
  metrics: ServerMetrics;
  router: Router;
  sweeper: Sweeper;
  staticFiles: StaticFiles;
  shuttingDown: boolean;
  webSocketCount: number;
}
