// Starting the servers under test: ours (build/src/main.js) or the ws reference, each with
// a board config written for the scenario (bench-config.json with the scenario's tick rate
// and slow-client settings) to a temporary file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../echo/children.js';
import { RunningServer, type ServerSpec } from '../echo/server-process.js';
import type { ServerConfig } from '../../src/config/settings.js';

type ServerSettings = ServerConfig;

export type ServerKind = 'ours' | 'reference';

export const BENCH_CONFIG = join(ROOT, 'bench/canvas/bench-config.json');
export const OURS_SCRIPT = 'build/src/main.js';
export const REFERENCE_SCRIPT = 'build/bench/canvas/ws-reference-server.js';

// Node flags exactly as `npm start` passes them (package.json "config.nodeFlags").
const OURS_NODE_FLAGS: string[] = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).config?.nodeFlags ?? '')
  .split(' ')
  .filter(Boolean);
// Lift the limits meant for the internet: the bots are many connections from four loopback addresses.
const OURS_LIMIT_FLAGS = [
  '--max-connections', '20000', '--max-connections-per-ip', '20000',
  '--connection-rate-per-ip', '1000000', '--connection-burst-per-ip', '1000000', '--log-level', 'warn',
];
const LISTEN = ['--port', '0', '--host', '127.0.0.1'];

/** A scratch directory for configs and the generators' timing files, removed on exit. */
export const SCRATCH = mkdtempSync(join(tmpdir(), 'tessera-canvas-bench-'));
process.on('exit', () => rmSync(SCRATCH, { recursive: true, force: true }));

let configCount = 0;

/** Writes bench-config.json with these server settings; returns its path. */
export function writeScenarioConfig(settings: Partial<ServerSettings>): string {
  const config = JSON.parse(readFileSync(BENCH_CONFIG, 'utf8')) as { server: Partial<ServerSettings> };
  config.server = { ...config.server, ...settings };
  const path = join(SCRATCH, `config-${++configCount}.json`);
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

/** Reads the board `id` of bench-config.json (width, height, palette size). */
export function benchBoard(id: string): { width: number; height: number; chunkSize: number; paletteSize: number } {
  const config = JSON.parse(readFileSync(BENCH_CONFIG, 'utf8')) as {
    boards: { id: string; width: number; height: number; chunkSize: number; palette: string[] }[];
  };
  const board = config.boards.find((b) => b.id === id);
  if (!board) throw new Error(`${BENCH_CONFIG} has no board "${id}"`);
  return { width: board.width, height: board.height, chunkSize: board.chunkSize, paletteSize: board.palette.length };
}

/** `--in-memory` (run.ts): ours without a data directory, for the before/after of durability. */
export const storageMode = { inMemory: false };
/** `--cpu-prof DIR` (run.ts): each run's server writes a V8 CPU profile of the measured window into DIR. */
export const serverProfile = { dir: '' };

/**
 * Ours or the reference. Ours is durable, as served: a fresh data directory (SQLite) for every
 * run, removed on exit, unless `storageArgs` say otherwise (e.g. `--database`, `--redis`, `--workers`).
 */
export function serverSpec(kind: ServerKind, configPath: string, storageArgs?: string[]): ServerSpec {
  if (kind === 'ours') {
    const storage = storageArgs ?? ['--data-dir', storageMode.inMemory ? '' : mkdtempSync(join(SCRATCH, 'data-'))];
    return { name: 'ours', args: [OURS_SCRIPT, ...LISTEN, '--config', configPath, ...storage, ...OURS_LIMIT_FLAGS], nodeFlags: OURS_NODE_FLAGS };
  }
  return { name: 'ws-reference', args: [REFERENCE_SCRIPT, ...LISTEN, '--config', configPath] };
}

export async function startServer(kind: ServerKind, settings: Partial<ServerSettings>): Promise<RunningServer> {
  return RunningServer.start(serverSpec(kind, writeScenarioConfig(settings)));
}
