// Structured logging: one JSON object per line on stdout, which any log
// shipper can parse and `jq` can read.
//
// Each method is chosen once at creation: below the level it is an empty
// function, so a disabled log.debug(...) costs a call and nothing else
// (but arguments are still evaluated, so avoid building big fields eagerly).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Record<string, unknown>;
export type LogMethod = (msg: string, fields?: LogFields) => void;

export interface Logger {
  readonly level: LogLevel;
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
}

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, silent: 50 };

export function parseLogLevel(s: string): LogLevel {
  const level = s.trim().toLowerCase();
  if (Object.hasOwn(LEVEL_RANK, level)) return level as LogLevel;
  throw new Error(`unknown log level "${s}" (expected one of ${Object.keys(LEVEL_RANK).join(', ')})`);
}

const writeToStdout = (line: string): void => {
  process.stdout.write(line + '\n');
};

const ignore: LogMethod = () => {};

export function createLogger(level: LogLevel, write: (line: string) => void = writeToStdout): Logger {
  const threshold = LEVEL_RANK[level];
  const method = (methodLevel: Exclude<LogLevel, 'silent'>): LogMethod =>
    LEVEL_RANK[methodLevel] >= threshold ? (msg, fields) => write(formatLine(methodLevel, msg, fields)) : ignore;
  return { level, debug: method('debug'), info: method('info'), warn: method('warn'), error: method('error') };
}

/** Formats one log line; never throws, since logging must not crash the server. */
export function formatLine(level: LogLevel, msg: string, fields?: LogFields): string {
  // Null prototype: a "__proto__" field is just data. The fixed keys go first
  // and cannot be overwritten by fields of the same name.
  const record: Record<string, unknown> = Object.create(null);
  record.time = new Date().toISOString();
  record.level = level;
  record.msg = msg;
  if (fields) {
    for (const key of Object.keys(fields)) {
      if (!(key in record)) record[key] = fields[key];
    }
  }
  try {
    return JSON.stringify(record, jsonSafe);
  } catch (error) {
    // Circular structures and throwing toJSON methods end up here.
    return JSON.stringify({ time: record.time, level, msg, logError: `unserializable fields: ${String(error)}` });
  }
}

// JSON.stringify renders an Error as {} and throws on BigInt; fix both.
function jsonSafe(_key: string, value: unknown): unknown {
  // Spread first to keep own properties such as an errno `code`.
  if (value instanceof Error) return { ...value, name: value.name, message: value.message, stack: value.stack };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
