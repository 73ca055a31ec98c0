// The WebSocket connection protocol without a socket: frames in, exact bytes
// and TCP decisions out, time moved by hand. Every expected frame is written
// out in hex, as it must appear on the wire (RFC 6455 §5.2).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeFrame } from '../src/websocket/frame-encoder.js';
import { MessageMemory } from '../src/websocket/message-memory.js';
import { CloseCode, Opcode } from '../src/websocket/opcodes.js';
import {
  ConnectionState, WebSocketProtocol, type MessageLimiter, type ProtocolEvent, type ProtocolSettings,
} from '../src/websocket/protocol.js';
import { ManualClock } from './support/manual-clock.js';
import { RecordingOutput } from './support/recording-output.js';

// ---- helpers ---------------------------------------------------------------

const SETTINGS: ProtocolSettings = {
  frames: { maxFrameSize: 1024, maxMessageSize: 4096, maxFragments: 8, expectMasked: true },
  pingIntervalMs: 30_000,
  idleTimeoutMs: 75_000,
  messageTimeoutMs: 20_000,
  closeTimeoutMs: 5_000,
};
const MASK = Uint8Array.from([0x37, 0xfa, 0x21, 0x3d]);
const UNLIMITED: MessageLimiter = { take: () => true };

function setup(limiter: MessageLimiter = UNLIMITED, controlFrames: MessageLimiter = UNLIMITED) {
  const clock = new ManualClock();
  const output = new RecordingOutput();
  const protocol = new WebSocketProtocol(SETTINGS, { messages: limiter, controlFrames }, output, clock.now());
  /** Feeds client frames (masked, as a browser sends them) and returns the events, simplified. */
  const receive = (...frames: Buffer[]): unknown[] => {
    protocol.receive(Buffer.concat(frames), clock.now());
    const events: unknown[] = [];
    for (let event = protocol.nextEvent(); event !== null; event = protocol.nextEvent()) events.push(simple(event));
    return events;
  };
  return { clock, output, protocol, receive };
}

const client = (opcode: number, payload: string | Buffer = ''): Buffer =>
  encodeFrame(opcode, typeof payload === 'string' ? Buffer.from(payload) : payload, { mask: MASK });
/** A server Close frame as hex, spelled out: FIN+Close, length, code, UTF-8 reason (short reasons only). */
const closeFrame = (code: number, reason = ''): string =>
  '88' + hexByte(2 + Buffer.byteLength(reason)) + code.toString(16).padStart(4, '0') + Buffer.from(reason).toString('hex');
const hexByte = (n: number): string => n.toString(16).padStart(2, '0');
const closePayload = (code: number, reason = ''): Buffer => Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason)]);

function simple(event: ProtocolEvent): unknown {
  switch (event.kind) {
    case 'message':
      return { message: event.data.toString(), binary: event.binary };
    case 'ping':
    case 'pong':
      return { [event.kind]: event.data.toString() };
    case 'close':
      return { close: event.code, reason: event.reason };
    case 'error':
      return { error: event.code };
    case 'discarded':
      return 'discarded';
  }
}

// ---- messages ------------------------------------------------------------

test('messages in are events out; messages out are exact frames', () => {
  const { output, protocol, receive } = setup();
  assert.equal(receive(client(Opcode.Text, 'hi'), client(Opcode.Binary, Buffer.from([1, 2]))), [
    { message: 'hi', binary: false },
    { message: '\x01\x02', binary: true },
  ]);
  assert.equal(output.take(), [], 'receiving data writes nothing');
  protocol.send('hi', false);
  protocol.send(Uint8Array.from([1, 2, 3]), true);
  protocol.sendPrepared(Buffer.from('8a00', 'hex'));
  assert.equal(output.take(), ['81026869', '8203010203', '8a00']);
  assert.is(protocol.state, ConnectionState.Open);
});

test('a ping is answered with a pong carrying its payload; a pong is only noted', () => {
  const { output, receive } = setup();
  assert.equal(receive(client(Opcode.Ping, 'probe'), client(Opcode.Pong, 'late')), [{ ping: 'probe' }, { pong: 'late' }]);
  assert.equal(output.take(), ['8a0570726f6265']);
});

// ---- the closing handshake: the peer starts ------------------------------

test('peer closes first: its code is echoed, we end TCP, and drop it after the close timeout', () => {
  const { clock, output, protocol, receive } = setup();
  assert.equal(receive(client(Opcode.Close, closePayload(4001, 'bye'))), [{ close: 4001, reason: 'bye' }]);
  assert.equal(output.take(), ['88020fa1', 'end'], 'the code is echoed without the reason');
  assert.is(protocol.state, ConnectionState.RemoteClosing);
  assert.is(protocol.closeCode, 4001);
  assert.is(protocol.closeReason, 'bye');

  protocol.send('too late', false);
  clock.advance(SETTINGS.closeTimeoutMs - 1);
  protocol.tick(clock.now());
  assert.equal(output.take(), [], 'nothing is sent after the Close, and the peer still has time');
  clock.advance(1);
  protocol.tick(clock.now());
  assert.equal(output.take(), ['drop'], 'a peer that keeps TCP open is dropped');
  assert.is(protocol.state, ConnectionState.Closed);
});

test('peer closes without a code: answered with an empty Close, reported as 1005', () => {
  const { output, protocol, receive } = setup();
  assert.equal(receive(client(Opcode.Close)), [{ close: CloseCode.NoStatus, reason: '' }]);
  assert.equal(output.take(), ['8800', 'end']);
  assert.is(protocol.closeCode, 1005);
});

test('a Close in the middle of a fragmented message ends it, answered normally', () => {
  const { output, receive } = setup();
  const first = encodeFrame(Opcode.Text, Buffer.from('part'), { fin: false, mask: MASK });
  assert.equal(receive(first, client(Opcode.Close, closePayload(1000))), [{ close: 1000, reason: '' }]);
  assert.equal(output.take(), ['880203e8', 'end']);
});

// ---- the closing handshake: we start -------------------------------------

test('we close first: Close sent, data that follows is discarded, the answer ends TCP', () => {
  const { clock, output, protocol, receive } = setup();
  protocol.close(CloseCode.GoingAway, 'server shutting down', clock.now());
  assert.equal(output.take(), [closeFrame(1001, 'server shutting down')]);
  assert.is(closeFrame(1001, 'server shutting down').slice(0, 8), '881603e9');
  assert.is(protocol.state, ConnectionState.LocalClosing);

  protocol.send('after close', false);
  protocol.sendPrepared(Buffer.from('8100', 'hex'));
  protocol.ping();
  protocol.close(CloseCode.NormalClosure, 'again', clock.now());
  assert.equal(output.take(), [], 'after our Close, nothing else goes out');

  assert.equal(receive(client(Opcode.Text, 'in flight'), client(Opcode.Ping, 'p')), ['discarded', { ping: 'p' }]);
  assert.equal(output.take(), [], 'no pong after our Close');

  assert.equal(receive(client(Opcode.Close, closePayload(1000))), [{ close: 1000, reason: '' }]);
  assert.equal(output.take(), ['end'], 'both Close frames crossed: TCP ends, no second Close');
  assert.is(protocol.closeCode, CloseCode.GoingAway, 'our code is the one reported');
  protocol.connectionLost();
  assert.is(protocol.state, ConnectionState.Closed);
});

test('we close first and the peer never answers: dropped after the close timeout', () => {
  const { clock, output, protocol } = setup();
  clock.advance(1000);
  protocol.close(CloseCode.NormalClosure, '', clock.now());
  assert.equal(output.take(), ['880203e8']);
  clock.advance(SETTINGS.closeTimeoutMs - 1);
  protocol.tick(clock.now());
  assert.equal(output.take(), []);
  clock.advance(1);
  protocol.tick(clock.now());
  assert.equal(output.take(), ['drop']);
  assert.is(protocol.state, ConnectionState.Closed);
  protocol.tick(clock.now() + 1_000_000);
  assert.equal(output.take(), [], 'a closed connection has no deadlines');
});

// ---- failing the connection (§7.1.7) -------------------------------------

test('a protocol error fails the connection: Close with the code, TCP ended at once', () => {
  const { output, protocol, receive } = setup();
  const unmasked = encodeFrame(Opcode.Text, Buffer.from('hi'));
  assert.equal(receive(unmasked), [{ error: CloseCode.ProtocolError }]);
  assert.equal(output.take(), [closeFrame(1002, 'client frames must be masked'), 'end']);
  assert.is(protocol.state, ConnectionState.LocalClosing);
  assert.is(protocol.closeCode, 1002);
  assert.equal(receive(client(Opcode.Text, 'more')), [], 'the parser is dead: nothing more is read');
});

test('a message over the limit fails with 1009; invalid UTF-8 with 1007', () => {
  const big = setup();
  assert.equal(big.receive(client(Opcode.Binary, Buffer.alloc(1025))), [{ error: CloseCode.MessageTooBig }]);
  assert.equal(big.output.take(), [closeFrame(1009, 'frame payload of 1025 bytes exceeds the limit of 1024'), 'end']);
  const text = setup();
  assert.equal(text.receive(client(Opcode.Text, Buffer.from([0xc0, 0xaf]))), [{ error: CloseCode.InvalidPayload }]);
  assert.is(text.protocol.closeCode, 1007);
});

test('the message limiter: a refused message fails the connection with 1008; it and what follows are not processed', () => {
  let tokens = 2;
  const seen: number[] = [];
  const limiter: MessageLimiter = {
    take(now) {
      seen.push(now);
      return tokens-- > 0;
    },
  };
  const { clock, output, protocol, receive } = setup(limiter);
  clock.advance(250);
  assert.equal(receive(client(Opcode.Binary, 'a'), client(Opcode.Binary, 'b'), client(Opcode.Binary, 'c'), client(Opcode.Binary, 'd')), [
    { message: 'a', binary: true },
    { message: 'b', binary: true },
    { error: CloseCode.PolicyViolation },
  ]);
  assert.equal(seen, [clock.now(), clock.now(), clock.now()], 'the limiter is asked with the time of the read, once per message');
  assert.equal(output.take(), [closeFrame(1008, 'message rate limit exceeded'), 'end']);
  assert.is(protocol.closeCode, 1008);
});

test('the control-frame budget: pings and pongs past it fail the connection with 1008, unanswered', () => {
  let tokens = 2;
  const controlFrames: MessageLimiter = { take: () => tokens-- > 0 };
  const { output, protocol, receive } = setup(UNLIMITED, controlFrames);
  assert.equal(receive(client(Opcode.Text, 'data is not counted'), client(Opcode.Ping, 'a'), client(Opcode.Pong, 'b'), client(Opcode.Ping, 'c'), client(Opcode.Ping, 'd')), [
    { message: 'data is not counted', binary: false },
    { ping: 'a' },
    { pong: 'b' },
    { error: CloseCode.PolicyViolation },
  ]);
  assert.equal(output.take(), ['8a0161', closeFrame(1008, 'control frame rate limit exceeded'), 'end'], 'one pong, then the Close');
  assert.is(protocol.closeCode, 1008);
});

// ---- time: the deadline of a message in progress (issue 9 F2) ------------

test('a message must be whole within the message timeout, however often the peer pings meanwhile', () => {
  const { clock, output, protocol, receive } = setup();
  const quarter = SETTINGS.messageTimeoutMs / 4;
  assert.equal(receive(encodeFrame(Opcode.Binary, Buffer.from('part'), { fin: false, mask: MASK })), []);
  for (let i = 0; i < 3; i++) {
    clock.advance(quarter);
    assert.equal(receive(client(Opcode.Ping)), [{ ping: '' }]);
    protocol.tick(clock.now());
  }
  assert.equal(output.take(), ['8a00', '8a00', '8a00'], 'pongs, and the connection stays open');
  clock.advance(quarter - 1);
  protocol.tick(clock.now());
  assert.equal(output.take(), []);
  clock.advance(1);
  protocol.tick(clock.now());
  assert.equal(output.take(), [closeFrame(1008, 'message not completed in time'), 'end']);
  assert.equal(receive(encodeFrame(Opcode.Continuation, Buffer.from('rest'), { mask: MASK })), [], 'the rest is not read');
});

test('each message has its own deadline, from the read where it began; a frame spread over reads counts too', () => {
  const { clock, output, protocol, receive } = setup();
  const frame = client(Opcode.Binary, 'one frame, several reads');
  assert.equal(receive(frame.subarray(0, 8)), []);
  clock.advance(SETTINGS.messageTimeoutMs - 1);
  assert.equal(receive(frame.subarray(8), encodeFrame(Opcode.Text, Buffer.from('next'), { fin: false, mask: MASK })), [
    { message: 'one frame, several reads', binary: true },
  ]);
  const nextBegan = clock.now();
  clock.advance(1);
  protocol.tick(clock.now());
  assert.equal(output.take(), [], 'the first was whole in time; the next began just now');
  clock.advance(SETTINGS.messageTimeoutMs - 2);
  protocol.tick(clock.now());
  assert.equal(output.take(), []);
  clock.advance(1);
  protocol.tick(clock.now());
  assert.is(clock.now() - nextBegan, SETTINGS.messageTimeoutMs);
  assert.equal(output.take(), [closeFrame(1008, 'message not completed in time'), 'end']);
});

test('a message in progress gives its memory back when the connection fails or TCP closes', () => {
  const memory = new MessageMemory(1 << 20);
  const settings = { ...SETTINGS, frames: { ...SETTINGS.frames, unfinishedMessages: memory } };
  const clock = new ManualClock();
  const failing = new WebSocketProtocol(settings, { messages: UNLIMITED, controlFrames: UNLIMITED }, new RecordingOutput(), clock.now());
  const lost = new WebSocketProtocol(settings, { messages: UNLIMITED, controlFrames: UNLIMITED }, new RecordingOutput(), clock.now());
  for (const protocol of [failing, lost]) {
    protocol.receive(encodeFrame(Opcode.Binary, Buffer.from('part'), { fin: false, mask: MASK }), clock.now());
    assert.is(protocol.nextEvent(), null);
  }
  assert.is(memory.held, 2048);
  clock.advance(SETTINGS.messageTimeoutMs);
  failing.tick(clock.now());
  assert.is(memory.held, 1024, 'failed on its deadline: let go at once, before TCP closes');
  lost.connectionLost();
  assert.is(memory.held, 0);
});

// ---- time: keepalive and idle drop ---------------------------------------

test('keepalive: one ping after a silence, another only after the peer spoke again', () => {
  const { clock, output, protocol, receive } = setup();
  clock.advance(SETTINGS.pingIntervalMs - 1);
  protocol.tick(clock.now());
  assert.equal(output.take(), [], 'not silent long enough');
  clock.advance(1);
  protocol.tick(clock.now());
  assert.equal(output.take(), ['8900'], 'an empty ping');
  clock.advance(SETTINGS.pingIntervalMs);
  protocol.tick(clock.now());
  assert.equal(output.take(), [], 'one ping per silence');

  assert.equal(receive(client(Opcode.Pong)), [{ pong: '' }]);
  const answeredAt = clock.now();
  clock.advance(SETTINGS.pingIntervalMs - 1);
  protocol.tick(clock.now());
  assert.equal(output.take(), [], 'the pong counts as activity');
  clock.advance(1);
  protocol.tick(clock.now());
  assert.equal(output.take(), ['8900']);
  assert.is(clock.now() - answeredAt, SETTINGS.pingIntervalMs);
});

test('idle drop: a peer silent for the idle timeout is dropped without a Close (1006)', () => {
  const { clock, output, protocol, receive } = setup();
  clock.advance(10_000);
  receive(client(Opcode.Text, 'still here'));
  clock.advance(SETTINGS.idleTimeoutMs - 1);
  protocol.tick(clock.now());
  assert.equal(output.take(), ['8900'], 'pinged, not yet dropped');
  clock.advance(1);
  protocol.tick(clock.now());
  assert.equal(output.take(), ['drop']);
  assert.is(protocol.state, ConnectionState.Closed);
  assert.is(protocol.closeCode, CloseCode.Abnormal);
  assert.is(protocol.closeReason, 'idle timeout');
  protocol.receive(client(Opcode.Text, 'too late'), clock.now());
  assert.is(protocol.nextEvent(), null, 'a closed connection reads nothing');
});

test('abort drops TCP at once, once', () => {
  const { output, protocol } = setup();
  protocol.abort();
  protocol.abort();
  assert.equal(output.take(), ['drop']);
  assert.is(protocol.state, ConnectionState.Closed);
  assert.is(protocol.closeCode, 1006);
});

test.run();
