// Where settings come from, and which source wins: flags, then environment
// variables, then the JSON file's "server" section, then the defaults. Of the
// flags and variables only the value that wins is read, so a bad PORT in the
// environment does not stop a server started with --port; an empty variable
// counts as unset. The file is checked whole, like any file: a typo there fails.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseBoards, type BoardDefinition } from './boards.js';
import { fail, object, onlyKeys } from './checks.js';
import {
  SETTING_KEYS, checkConsistent, defaultConfig, envName, flagName, isSwitch, readSetting, type ServerConfig,
} from './settings.js';

/** The JSON file: settings it names (checked), and the boards. */
export interface AppConfig {
  server: Partial<ServerConfig>;
  boards: BoardDefinition[];
}

export interface Config {
  settings: ServerConfig;
  boards: BoardDefinition[];
}

// This file runs as build/src/config/load.js; the config folder is at the project root.
export const DEFAULT_CONFIG_PATH: string = fileURLToPath(new URL('../../../config/default.json', import.meta.url));

/** Settings and boards from the command line, the environment and the JSON file they name. */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  const flags = parseFlags(argv);
  const fromEnv = new Map<keyof ServerConfig, string>();
  for (const key of SETTING_KEYS) {
    const value = env[envName(key)];
    if (value !== undefined && value !== '') fromEnv.set(key, value);
  }
  const path = flags.get('config') ?? fromEnv.get('config') ?? '';
  const file = loadAppConfig(path === '' ? DEFAULT_CONFIG_PATH : path);
  const settings = { ...defaultConfig } as Record<keyof ServerConfig, unknown>;
  const where = (key: keyof ServerConfig): string =>
    flags.has(key) ? `--${flagName(key)}` : fromEnv.has(key) ? envName(key) : `${path || DEFAULT_CONFIG_PATH}: server.${key}`;
  for (const key of SETTING_KEYS) {
    if (flags.has(key)) settings[key] = readSetting(key, flags.get(key), where(key));
    else if (fromEnv.has(key)) settings[key] = readSetting(key, fromEnv.get(key), where(key));
    else if (file.server[key] !== undefined) settings[key] = file.server[key];
  }
  checkConsistent(settings as ServerConfig, where);
  return { settings: settings as ServerConfig, boards: file.boards };
}

function parseFlags(argv: readonly string[]): Map<keyof ServerConfig, string> {
  const flags = new Map<keyof ServerConfig, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) fail('', `unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const key = SETTING_KEYS.find((k) => flagName(k) === name);
    if (key === undefined) fail('', `unknown flag --${name}`);
    const bare = eq === -1 && isSwitch(key) && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--'));
    const value = bare ? 'true' : eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) fail('', `--${name} needs a value`);
    flags.set(key, value);
  }
  return flags;
}

export function loadAppConfig(path: string): AppConfig {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  try {
    return parseAppConfig(value);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}

/** The JSON file's contents: every setting it names is read and checked like a flag would be. */
export function parseAppConfig(value: unknown): AppConfig {
  const root = object(value, '(config)');
  onlyKeys(root, ['server', 'boards'], '');
  const section = object(root.server ?? {}, 'server');
  const keys = SETTING_KEYS.filter((key) => key !== 'config');
  onlyKeys(section, keys, 'server');
  const server: Partial<Record<keyof ServerConfig, unknown>> = {};
  for (const key of keys) {
    if (section[key] !== undefined) server[key] = readSetting(key, section[key], `server.${key}`);
  }
  checkConsistent({ ...defaultConfig, ...server } as ServerConfig, (key) => `server.${key}`);
  return { server: server as Partial<ServerConfig>, boards: parseBoards(root.boards, 'boards') };
}
