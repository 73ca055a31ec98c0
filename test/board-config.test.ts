import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_BOARDS } from '../src/config/boards.js';
import { DEFAULT_CONFIG_PATH, loadAppConfig, parseAppConfig, type AppConfig } from '../src/config/load.js';
import { defaultConfig } from '../src/config/settings.js';

const defaultJson = (): any => JSON.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8'));

/** The default config with one change applied; returns the error message parsing it gives. */
function errorAfter(change: (config: any) => void): string {
  const config = defaultJson();
  change(config);
  try {
    parseAppConfig(config);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected parseAppConfig to throw');
}

function expectError(change: (config: any) => void, expected: RegExp | string): void {
  const message = errorAfter(change);
  if (typeof expected === 'string') assert.ok(message.startsWith(expected), `"${message}" should start with "${expected}"`);
  else assert.match(message, expected);
}

test('the shipped default config loads', () => {
  const config: AppConfig = loadAppConfig(DEFAULT_CONFIG_PATH);
  assert.equal(config.boards.map((b) => b.id), ['place', 'pixels', 'mosaic']);
  // The file names the canvas's settings, all at their defaults.
  assert.equal(config.server, {
    tickRateHz: 60, trustedProxies: [], maxSubscriptionsPerClient: 1024,
    slowClientHighWaterBytes: 262_144, slowClientHardLimitBytes: 4_194_304, slowClientDeadlineMs: 30_000,
  });
  for (const [key, value] of Object.entries(config.server)) assert.equal(value, defaultConfig[key as keyof typeof defaultConfig], key);
});

test('place: the r/place 2017 board', () => {
  const place = loadAppConfig(DEFAULT_CONFIG_PATH).boards[0]!;
  assert.is(place.title, 'r/place');
  assert.is(place.width, 1000);
  assert.is(place.height, 1000);
  assert.is(place.chunkSize, 100);
  assert.is(place.palette.length, 16);
  assert.is(place.palette[0], '#FFFFFF');
  assert.is(place.palette[15], '#820080');
  assert.is(place.palette[place.background], '#FFFFFF');
  assert.is(place.tileSize, null);
  assert.equal(place.policy, {
    strokes: false, maxBatch: 1, tileWrites: false, maxChunks: null,
    buckets: [
      { key: 'session', capacity: 1, refillPerSecond: 0.2, unit: 'pixel' },
      { key: 'ip', capacity: 8, refillPerSecond: 1.6, unit: 'pixel' },
    ],
  });
});

test('pixels: the r/place 2022 palette, strokes of 20', () => {
  const pixels = loadAppConfig(DEFAULT_CONFIG_PATH).boards[1]!;
  assert.is(pixels.width, 900);
  assert.is(pixels.palette.length, 32);
  assert.is(pixels.palette[0], '#6D001A');
  assert.is(pixels.palette[31], '#FFFFFF');
  assert.is(pixels.background, 31);
  assert.ok(pixels.policy.strokes);
  assert.is(pixels.policy.maxBatch, 20);
  const session = pixels.policy.buckets.filter((b) => b.key === 'session');
  const ip = pixels.policy.buckets.filter((b) => b.key === 'ip');
  assert.equal(session.map((b) => [b.capacity, b.refillPerSecond]), [[20, 10], [100, 100 / 60]]);
  // A household of 8 behind one address gets 8× what one session gets.
  assert.equal(ip.map((b) => [b.capacity, b.refillPerSecond]), session.map((b) => [b.capacity * 8, b.refillPerSecond * 8]));
});

test('mosaic: 256 colours (web-safe cube + 40 greys), 32×32 tiles', () => {
  const mosaic = loadAppConfig(DEFAULT_CONFIG_PATH).boards[2]!;
  assert.is(mosaic.width, 32000);
  assert.is(mosaic.chunkSize, 256);
  assert.is(mosaic.tileSize, 32);
  assert.is(mosaic.palette.length, 256);
  assert.is(mosaic.palette[0], '#000000');
  assert.is(mosaic.palette[215], '#FFFFFF');
  assert.is(mosaic.palette[mosaic.background], '#FFFFFF');
  const steps = ['00', '33', '66', '99', 'CC', 'FF'];
  const cube = mosaic.palette.slice(0, 216);
  for (const colour of cube) assert.ok([1, 3, 5].every((i) => steps.includes(colour.slice(i, i + 2))), colour);
  const greys = mosaic.palette.slice(216);
  let previous = 0;
  for (const grey of greys) {
    const value = parseInt(grey.slice(1, 3), 16);
    assert.is(grey, '#' + grey.slice(1, 3).repeat(3), `${grey} is a grey`);
    assert.ok(value > previous && value < 255, `${grey} ascends strictly between black and white`);
    previous = value;
  }
  assert.equal(mosaic.policy, {
    strokes: true, maxBatch: 1024, tileWrites: true, maxChunks: 4096,
    buckets: [
      { key: 'ip', capacity: 20, refillPerSecond: 1, unit: 'write' },
      { key: 'ip', capacity: 32, refillPerSecond: 0.2, unit: 'chunk' },
      { key: 'tile', capacity: 1, refillPerSecond: 0.2, unit: 'write' },
      { key: 'session', capacity: 20, refillPerSecond: 1, unit: 'write' },
    ],
  });
});

test('every palette is unique', () => {
  for (const board of loadAppConfig(DEFAULT_CONFIG_PATH).boards) {
    assert.is(new Set(board.palette).size, board.palette.length, board.id);
  }
});

test('the server section holds only what it names; any setting may be named there', () => {
  const config = defaultJson();
  delete config.server;
  assert.equal(parseAppConfig(config).server, {});
  config.server = { tickRateHz: 30, trustedProxies: ['10.0.0.0/8', '::1'], port: 9090, wsPingIntervalMs: 1000 };
  assert.equal(parseAppConfig(config).server, { tickRateHz: 30, trustedProxies: ['10.0.0.0/8', '::1'], port: 9090, wsPingIntervalMs: 1000 });
});

test('lower-case colours are accepted and normalized', () => {
  const config = defaultJson();
  config.boards[0].palette[1] = '#e4e4e4';
  assert.is(parseAppConfig(config).boards[0]!.palette[1], '#E4E4E4');
});

test('palette errors name the colour', () => {
  expectError((c) => { c.boards[1].palette[3] = '#12345'; }, 'boards[1].palette[3]: "#12345" is not a #RRGGBB colour');
  expectError((c) => { c.boards[0].palette[2] = 'red'; }, 'boards[0].palette[2]: "red" is not a #RRGGBB colour');
  expectError((c) => { c.boards[0].palette[5] = '#ffffff'; }, 'boards[0].palette[5]: "#FFFFFF" repeats palette[0]');
  expectError((c) => { c.boards[0].palette = ['#000000']; }, 'boards[0].palette: needs 2 to 256 colours, got 1');
  expectError((c) => { c.boards[2].palette.push('#010203'); }, 'boards[2].palette: needs 2 to 256 colours, got 257');
  expectError((c) => { c.boards[0].background = 16; }, 'boards[0].background:');
});

test('board ids: valid and unique', () => {
  expectError((c) => { c.boards[1].id = 'Place!'; }, 'boards[1].id: "Place!"');
  expectError((c) => { c.boards[1].id = 'a'.repeat(33); }, 'boards[1].id:');
  expectError((c) => { c.boards[2].id = 'place'; }, 'boards[2].id: "place" is already the id of boards[0]');
});

test('board geometry limits', () => {
  expectError((c) => { c.boards[0].width = 0; }, 'boards[0].width:');
  expectError((c) => { c.boards[0].height = 65536; }, 'boards[0].height:');
  expectError((c) => { c.boards[0].width = 10.5; }, 'boards[0].width:');
  expectError((c) => { c.boards[0].chunkSize = 7; }, 'boards[0].chunkSize:');
  expectError((c) => { c.boards[0].chunkSize = 257; }, 'boards[0].chunkSize:');
  expectError((c) => { c.boards[0].width = 65535; c.boards[0].height = 65535; c.boards[0].chunkSize = 8; }, /^boards\[0\]\.chunkSize: .* chunks/);
});

test('tile size must divide the chunk size and the board', () => {
  expectError((c) => { c.boards[2].tileSize = 24; }, 'boards[2].tileSize: 24 does not divide chunkSize 256');
  expectError((c) => { c.boards[2].width = 32016; }, 'boards[2].tileSize: 32 does not divide the board');
  expectError((c) => { c.boards[2].tileSize = 0; }, 'boards[2].tileSize:');
  expectError((c) => { c.boards[2].tileSize = null; }, 'boards[2].policy.tileWrites: needs a tileSize');
});

test('policy and bucket errors name their path', () => {
  expectError((c) => { c.boards[0].policy.maxBatch = 2; }, 'boards[0].policy.maxBatch: must be 1 when strokes is false');
  expectError((c) => { c.boards[1].policy.maxBatch = 0; }, 'boards[1].policy.maxBatch:');
  expectError((c) => { c.boards[1].policy.strokes = 'yes'; }, 'boards[1].policy.strokes:');
  expectError((c) => { c.boards[1].policy.buckets[1].capacity = 0; }, 'boards[1].policy.buckets[1].capacity:');
  expectError((c) => { c.boards[1].policy.buckets[2].refillPerSecond = 0; }, 'boards[1].policy.buckets[2].refillPerSecond: must be a number > 0');
  expectError((c) => { c.boards[2].policy.buckets[0].key = 'user'; }, 'boards[2].policy.buckets[0].key: must be one of');
  expectError((c) => { c.boards[2].policy.buckets[0].unit = 'tile'; }, 'boards[2].policy.buckets[0].unit:');
  expectError((c) => { delete c.boards[2].policy.buckets; }, 'boards[2].policy.buckets: must be an array, got nothing');
});

test('unknown keys are rejected (typos would otherwise be silent)', () => {
  expectError((c) => { c.boards[2].tilesize = 32; }, 'boards[2].tilesize: unknown setting');
  expectError((c) => { c.server.tickRate = 30; }, 'server.tickRate: unknown setting');
  expectError((c) => { c.board = []; }, 'board: unknown setting');
});

test('server setting errors', () => {
  expectError((c) => { c.server.tickRateHz = 0; }, 'server.tickRateHz:');
  expectError((c) => { c.server.trustedProxies = ['10.0.0.0/33']; }, 'server.trustedProxies[0]: "10.0.0.0/33" is not an IP address or CIDR range');
  expectError((c) => { c.server.trustedProxies = ['10.0.0.1', 'proxy.local']; }, 'server.trustedProxies[1]:');
  expectError((c) => { c.server.maxSubscriptionsPerClient = 0; }, 'server.maxSubscriptionsPerClient:');
  expectError((c) => { c.server.slowClientHardLimitBytes = 1000; }, 'server.slowClientHardLimitBytes: 1000 is below slowClientHighWaterBytes');
  expectError((c) => { c.server.port = 70000; }, 'server.port: must be a whole number from 0 to 65535');
  expectError((c) => { c.server.config = 'other.json'; }, 'server.config: unknown setting');
});

test('board count: at least 1, at most 255', () => {
  expectError((c) => { c.boards = []; }, 'boards: needs 1 to 255 boards, got 0');
  const many = (n: number) => (c: any) => {
    c.boards = Array.from({ length: n }, (_, i) => ({ ...c.boards[0], id: `b${i}` }));
  };
  const config = defaultJson();
  many(MAX_BOARDS)(config);
  assert.is(parseAppConfig(config).boards.length, 255);
  expectError(many(MAX_BOARDS + 1), 'boards: needs 1 to 255 boards, got 256');
});

test('non-objects are rejected with their path', () => {
  expectError((c) => { c.boards[1] = 'pixels'; }, 'boards[1]: must be an object, got "pixels"');
  assert.throws(() => parseAppConfig(null), /must be an object/);
});

test('loadAppConfig names the file on bad JSON', () => {
  assert.throws(() => loadAppConfig('/nonexistent/tessera.json'), /\/nonexistent\/tessera\.json/);
});

test.run();
