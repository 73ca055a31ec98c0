import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLogger, parseLogLevel, type LogLevel } from '../src/telemetry/log.js';

function capture(level: LogLevel) {
  const lines: string[] = [];
  return { lines, log: createLogger(level, (line) => lines.push(line)) };
}

test('writes one JSON object per call with time, level, msg, then fields', () => {
  const { lines, log } = capture('info');
  log.info('listening', { port: 8080, host: '0.0.0.0' });
  assert.is(lines.length, 1);
  assert.not.ok(lines[0]!.includes('\n'));
  const record = JSON.parse(lines[0]!);
  assert.equal(Object.keys(record), ['time', 'level', 'msg', 'port', 'host']);
  assert.match(record.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.is(record.level, 'info');
  assert.is(record.msg, 'listening');
  assert.is(record.port, 8080);
});

test('calls below the level write nothing', () => {
  const { lines, log } = capture('warn');
  log.debug('d');
  log.info('i');
  log.warn('w');
  log.error('e');
  assert.equal(lines.map((line) => JSON.parse(line).level), ['warn', 'error']);
});

test('debug logs everything and silent logs nothing', () => {
  const loud = capture('debug');
  const quiet = capture('silent');
  for (const { log } of [loud, quiet]) {
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
  }
  assert.is(loud.lines.length, 4);
  assert.is(quiet.lines.length, 0);
});

test('fields cannot overwrite time, level or msg', () => {
  const { lines, log } = capture('info');
  log.info('real', { msg: 'fake', level: 'error', time: 'never', extra: 1 });
  const record = JSON.parse(lines[0]!);
  assert.is(record.msg, 'real');
  assert.is(record.level, 'info');
  assert.is.not(record.time, 'never');
  assert.is(record.extra, 1);
});

test('errors, bigints and awkward keys serialize usefully', () => {
  const { lines, log } = capture('info');
  const error = Object.assign(new Error('boom'), { code: 'EBOOM' });
  log.error('failed', { err: error, big: 12n });
  log.error('proto', JSON.parse('{"__proto__": {"polluted": true}}'));
  const first = JSON.parse(lines[0]!);
  assert.is(first.err.message, 'boom');
  assert.is(first.err.name, 'Error');
  assert.is(first.err.code, 'EBOOM');
  assert.type(first.err.stack, 'string');
  assert.is(first.big, '12');
  assert.equal(JSON.parse(lines[1]!).__proto__, { polluted: true });
  assert.is(({} as Record<string, unknown>).polluted, undefined);
});

test('unserializable fields still produce a line instead of throwing', () => {
  const { lines, log } = capture('info');
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  log.warn('loop', { circular });
  const record = JSON.parse(lines[0]!);
  assert.is(record.msg, 'loop');
  assert.is(record.level, 'warn');
  assert.match(record.logError, /unserializable/);
});

test('parseLogLevel accepts the five levels, case-insensitively, and rejects others', () => {
  for (const level of ['debug', 'info', 'warn', 'error', 'silent'] as const) assert.is(parseLogLevel(level), level);
  assert.is(parseLogLevel(' WARN '), 'warn');
  assert.throws(() => parseLogLevel('warning'), /unknown log level "warning"/);
  assert.throws(() => parseLogLevel(''), /unknown log level/);
  assert.throws(() => parseLogLevel('toString'), /unknown log level/);
});

test('the logger reports its level', () => {
  assert.is(createLogger('error').level, 'error');
});

test('default writer appends a newline on stdout', () => {
  const original = process.stdout.write;
  const written: string[] = [];
  process.stdout.write = ((chunk: string) => (written.push(chunk), true)) as typeof process.stdout.write;
  try {
    createLogger('info').info('to stdout');
  } finally {
    process.stdout.write = original;
  }
  assert.is(written.length, 1);
  assert.ok(written[0]!.endsWith('}\n'));
  assert.is(JSON.parse(written[0]!).msg, 'to stdout');
});

test.run();
