import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Registry } from '../src/telemetry/metrics.js';

test('renders a small registry exactly, in registration and first-seen order', () => {
  const registry = new Registry();
  const requests = registry.counter('http_requests_total', 'HTTP requests, by method and status', ['method', 'status']);
  const frames = registry.counter('frames_total', 'Frames seen');
  const temperature = registry.gauge('room_temperature', 'Degrees');
  let open = 7;
  registry.gauge('open_connections', 'Open connections', [], () => open);

  requests.inc({ method: 'GET', status: '200' });
  requests.inc({ method: 'GET', status: '200' }, 2);
  requests.inc({ status: '404', method: 'POST' });
  frames.inc();
  frames.inc(undefined, 41);
  temperature.set(21.5);
  temperature.dec(undefined, 0.5);
  open = 9;

  assert.is(
    registry.render(),
    [
      '# HELP http_requests_total HTTP requests, by method and status',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="GET",status="200"} 3',
      'http_requests_total{method="POST",status="404"} 1',
      '# HELP frames_total Frames seen',
      '# TYPE frames_total counter',
      'frames_total 42',
      '# HELP room_temperature Degrees',
      '# TYPE room_temperature gauge',
      'room_temperature 21',
      '# HELP open_connections Open connections',
      '# TYPE open_connections gauge',
      'open_connections 9',
      '',
    ].join('\n'),
  );
});

test('escapes label values and help text per the format', () => {
  const registry = new Registry();
  const counter = registry.counter('weird_total', 'Help with \\ backslash\nand "quotes"', ['path']);
  counter.inc({ path: 'C:\\dir\n"quoted"' });
  assert.is(
    registry.render(),
    '# HELP weird_total Help with \\\\ backslash\\nand "quotes"\n' +
      '# TYPE weird_total counter\n' +
      'weird_total{path="C:\\\\dir\\n\\"quoted\\""} 1\n',
  );
});

test('an unlabelled metric renders 0 before use; a labelled one renders no samples', () => {
  const registry = new Registry();
  registry.counter('idle_total', 'Never incremented');
  registry.counter('by_reason_total', 'Nothing yet', ['reason']);
  assert.is(
    registry.render(),
    '# HELP idle_total Never incremented\n# TYPE idle_total counter\nidle_total 0\n' +
      '# HELP by_reason_total Nothing yet\n# TYPE by_reason_total counter\n',
  );
});

test('label values that would collide when naively joined stay separate', () => {
  const registry = new Registry();
  const counter = registry.counter('pairs_total', 'Pairs', ['a', 'b']);
  counter.inc({ a: 'x,y', b: 'z' });
  counter.inc({ a: 'x', b: 'y,z' });
  counter.inc({ a: '1:a', b: '' });
  counter.inc({ a: '1', b: 'a' });
  const samples = registry.render().split('\n').filter((line) => line.startsWith('pairs_total{'));
  assert.equal(samples, [
    'pairs_total{a="x,y",b="z"} 1',
    'pairs_total{a="x",b="y,z"} 1',
    'pairs_total{a="1:a",b=""} 1',
    'pairs_total{a="1",b="a"} 1',
  ]);
});

test('gauges set, inc and dec, with labels too', () => {
  const registry = new Registry();
  const rooms = registry.gauge('room_users', 'Users per room', ['room']);
  rooms.inc({ room: 'lobby' });
  rooms.inc({ room: 'lobby' }, 4);
  rooms.dec({ room: 'lobby' });
  rooms.set(-2, { room: 'attic' });
  assert.ok(registry.render().includes('room_users{room="lobby"} 4\nroom_users{room="attic"} -2\n'));
});

test('special float values use the Prometheus spellings', () => {
  const registry = new Registry();
  const gauge = registry.gauge('odd', 'Odd values', ['v']);
  gauge.set(Infinity, { v: 'pos' });
  gauge.set(-Infinity, { v: 'neg' });
  gauge.set(NaN, { v: 'nan' });
  gauge.set(1e-7, { v: 'tiny' });
  assert.ok(registry.render().endsWith('odd{v="pos"} +Inf\nodd{v="neg"} -Inf\nodd{v="nan"} NaN\nodd{v="tiny"} 1e-7\n'));
});

test('misuse throws instead of producing a broken scrape', () => {
  const registry = new Registry();
  const plain = registry.counter('plain_total', 'Plain');
  const labelled = registry.counter('labelled_total', 'Labelled', ['kind']);
  const collected = registry.gauge('collected', 'Collected', [], () => 1);
  assert.throws(() => registry.counter('plain_total', 'Again'), /already registered/);
  assert.throws(() => registry.counter('bad-name', 'Dash'), /invalid metric name/);
  assert.throws(() => registry.counter('ok_total', 'Bad label', ['bad-label']), /invalid label name/);
  assert.throws(() => registry.counter('ok_total', 'Reserved label', ['__name']), /invalid label name/);
  assert.throws(() => registry.counter('ok_total', 'Duplicate labels', ['a', 'a']), /duplicate/);
  assert.throws(() => registry.gauge('ok', 'Collected with labels', ['a'], () => 1), /cannot have labels/);
  assert.throws(() => plain.inc(undefined, -1), /must be ≥ 0/);
  assert.throws(() => plain.inc(undefined, NaN), /must be ≥ 0/);
  assert.throws(() => plain.inc({ kind: 'x' }), /takes no labels/);
  assert.throws(() => labelled.inc(), /needs labels/);
  assert.throws(() => labelled.inc({ other: 'x' }), /missing label "kind"/);
  assert.throws(() => collected.set(3), /computed at scrape time/);
  assert.not.match(registry.render(), /ok_total/);
});

test.run();
