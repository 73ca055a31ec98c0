// wscat.js: a WebSocket client for the terminal on the project's own codec
// (client-handshake.ts, frame-encoder.ts, frame-parser.ts, permessage-deflate.ts),
// printing every byte it sends and receives, field by field, as the wire
// inspector shows them.
//
//   node build/src/cli/wscat.js ws://localhost:8080/echo
//   node build/src/cli/wscat.js --tessera ws://localhost:8080/ws
//
// Lines typed are sent as text messages; /binary, /ping, /pong, /close and
// (--tessera) /place, /subscribe send the rest (/help lists them). The end of
// input closes the connection (1000). Exit status: 0 when the closing
// handshake completed, 1 otherwise.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { encodePing, encodePlace, encodeSubscribe } from '../protocol/messages.js';
import { checkHandshakeResponse, clientHandshakeRequest, MAX_RESPONSE_HEAD, newClientKey, type ClientHandshakeOptions } from '../websocket/client-handshake.js';
import type { DeflateAgreement } from '../websocket/deflate-negotiation.js';
import { FrameDissector } from '../websocket/frame-dissector.js';
import { encodeFrame } from '../websocket/frame-encoder.js';
import { FrameParser } from '../websocket/frame-parser.js';
import { acceptKeySteps } from '../websocket/handshake.js';
import { CloseCode, Opcode } from '../websocket/opcodes.js';
import { InflateError, MIN_COMPRESSED_SIZE, PerMessageDeflate } from '../websocket/permessage-deflate.js';
import { frameLines } from './frame-lines.js';

const USAGE = `usage: node build/src/cli/wscat.js [options] ws://HOST:PORT/PATH

  --tessera          speak tessera.v1 and decode canvas messages (adds /place, /subscribe)
  --protocol NAME    offer a subprotocol (repeatable)
  --deflate          offer permessage-deflate (RFC 7692)
  --origin ORIGIN    send an Origin header
  --help             this text

At the prompt: a line is sent as a text message, or
  /binary HEX…       a binary message (hex bytes, spaces allowed)
  /ping [TEXT]       a ping; /pong [TEXT] an unsolicited pong
  /close [CODE [REASON]]   the closing handshake (1000 without a code)
  /place B X Y COLOR       (--tessera) PLACE a pixel on board B
  /subscribe B CX CY…      (--tessera) SUBSCRIBE to chunks of board B
  /tping             (--tessera) a Tessera PING (the server answers PONG)`;

const LIMIT = 16 * 1024 * 1024; // the largest frame and message accepted from the server
const CLOSE_TIMEOUT_MS = 5000; // how long the server may take to finish the closing handshake
const SHOWN_BYTES = 4096;

interface Options {
  url: URL;
  tessera: boolean;
  handshake: ClientHandshakeOptions;
}

function parseArgs(argv: readonly string[]): Options | string {
  let url: URL | null = null;
  let tessera = false;
  const protocols: string[] = [];
  const handshake: ClientHandshakeOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help') return USAGE;
    else if (arg === '--tessera') tessera = true;
    else if (arg === '--deflate') handshake.extensions = 'permessage-deflate; client_max_window_bits';
    else if (arg === '--protocol' || arg === '--origin') {
      const value = argv[++i];
      if (value === undefined) return `${arg} needs a value\n\n${USAGE}`;
      if (arg === '--protocol') protocols.push(value);
      else handshake.origin = value;
    } else if (url === null && !arg.startsWith('--')) {
      try {
        url = new URL(arg);
      } catch {
        return `not a URL: ${arg}`;
      }
      if (url.protocol !== 'ws:') return `only ws: URLs (no TLS here): ${arg}`;
    } else return `unknown argument: ${arg}\n\n${USAGE}`;
  }
  if (url === null) return USAGE;
  if (tessera && !protocols.includes('tessera.v1')) protocols.push('tessera.v1');
  if (protocols.length > 0) handshake.protocols = protocols;
  return { url, tessera, handshake };
}

/** The client's agreement seen from the other side: what PerMessageDeflate calls "server" is us here. */
function mirrored(agreement: DeflateAgreement): DeflateAgreement {
  return {
    serverNoContextTakeover: agreement.clientNoContextTakeover,
    clientNoContextTakeover: agreement.serverNoContextTakeover,
    serverMaxWindowBits: agreement.clientMaxWindowBits,
    clientMaxWindowBits: agreement.serverMaxWindowBits,
  };
}

class Client {
  private head: Buffer[] = [];
  private headLength = 0;
  private open = false;
  private closeSent = false;
  private closeReceived = false;
  private parser: FrameParser | null = null;
  private compression: PerMessageDeflate | null = null;
  private canCompress = false;
  private fromServer: FrameDissector | null = null;
  private fromClient: FrameDissector | null = null;
  private readonly key = newClientKey();
  private closeTimer: NodeJS.Timeout | null = null;
  // Lines typed (or piped) before the handshake completed, run once it has; and whether input ended.
  private waiting: string[] | null = [];
  private inputEnded = false;
  readonly socket: Socket;

  constructor(private readonly options: Options, private readonly print: (line: string) => void) {
    const { url } = options;
    this.socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) });
    this.socket.on('connect', () => this.sendRequest());
    this.socket.on('data', (chunk) => this.onData(chunk));
    this.socket.on('error', (error) => this.print(`!! ${error.message}`));
    this.socket.on('close', () => {
      if (this.closeTimer !== null) clearTimeout(this.closeTimer);
      this.print(`TCP closed${this.closeSent && this.closeReceived ? ' after the closing handshake' : ''}`);
      process.exitCode = this.closeSent && this.closeReceived ? 0 : 1;
    });
  }

  private sendRequest(): void {
    const request = clientHandshakeRequest(this.options.url, this.key, this.options.handshake);
    for (const line of request.split('\r\n').slice(0, -2)) this.print(`> ${line}`);
    this.print('>');
    this.socket.write(request);
  }

  private onData(chunk: Buffer): void {
    if (this.open) return this.onFrames(chunk);
    this.head.push(chunk);
    this.headLength += chunk.length;
    const joined = Buffer.concat(this.head);
    const end = joined.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.headLength > MAX_RESPONSE_HEAD) this.fail(`no end of the response head in ${MAX_RESPONSE_HEAD} bytes`);
      return;
    }
    const head = joined.toString('latin1', 0, end);
    for (const line of head.split('\r\n')) this.print(`< ${line}`);
    this.print('<');
    const answer = checkHandshakeResponse(head, this.key, this.options.handshake);
    if (!answer.ok) return this.fail(`handshake refused: ${answer.reason}`);
    const steps = acceptKeySteps(this.key);
    this.print(`  Sec-WebSocket-Accept checked: base64(SHA-1("${steps.key}" + "${steps.guid}")) = base64(${steps.sha1}) = ${steps.accept}`);
    if (answer.deflate !== null) {
      this.compression = new PerMessageDeflate(mirrored(answer.deflate));
      this.canCompress = answer.deflate.clientMaxWindowBits >= 9; // zlib cannot deflate with a 256-byte window
      this.print(`  permessage-deflate agreed: ${answer.headers.get('sec-websocket-extensions')}`);
    }
    this.open = true;
    const dissector = { deflate: answer.deflate, shownBytes: SHOWN_BYTES, maxMessageBytes: LIMIT };
    this.fromServer = new FrameDissector({ ...dissector, fromClient: false });
    this.fromClient = new FrameDissector({ ...dissector, fromClient: true });
    this.parser = new FrameParser({ maxFrameSize: LIMIT, maxMessageSize: LIMIT, maxFragments: 65536, expectMasked: false }, answer.deflate !== null);
    this.print('open: type a message, or /help');
    const rest = joined.subarray(end + 4);
    if (rest.length > 0) this.onFrames(Buffer.from(rest));
    const waiting = this.waiting!;
    this.waiting = null;
    for (const line of waiting) this.command(line);
    if (this.inputEnded) this.end();
  }

  private onFrames(chunk: Buffer): void {
    for (const frame of this.fromServer!.push(chunk)) for (const line of frameLines(frame, false, this.options.tessera)) this.print(line);
    const parser = this.parser!;
    parser.receive(chunk);
    for (let event = parser.nextEvent(); event !== null; event = parser.nextEvent()) {
      switch (event.kind) {
        case 'message':
          if (event.compressed) this.inflate(event.data);
          break;
        case 'ping':
          this.sendFrame(Opcode.Pong, event.data); // §5.5.2: answered with the same payload
          break;
        case 'pong':
          break;
        case 'close':
          this.closeReceived = true;
          if (!this.closeSent) this.sendClose(event.code === CloseCode.NoStatus ? 0 : event.code, ''); // §5.5.1: echo the code
          break;
        case 'error':
          this.print(`!! the server broke the protocol: ${event.message} → closing with ${event.code}`);
          this.sendClose(event.code, event.message);
          break;
      }
    }
  }

  /** Inflates a compressed message as the protocol requires (the dissector already printed it). */
  private inflate(data: Buffer): void {
    try {
      this.compression!.decompress(data, LIMIT);
    } catch (error) {
      if (!(error instanceof InflateError)) throw error;
      this.print(`!! ${error.message} → closing with ${error.code}`);
      this.sendClose(error.code, error.message);
    }
  }

  /** One command line from the prompt. */
  command(line: string): void {
    if (this.waiting !== null) {
      if (this.waiting.length < 1000) this.waiting.push(line);
      return;
    }
    if (this.closeSent) return this.print('!! closing: nothing more is sent');
    const [word = '', ...rest] = line.split(' ');
    const args = rest.filter((part) => part !== '');
    const numbers = () => args.map(Number);
    switch (line.startsWith('/') ? word : '') {
      case '':
        return this.sendMessage(Opcode.Text, Buffer.from(line));
      case '/binary': {
        const hexDigits = args.join('');
        if (!/^([0-9a-fA-F]{2})*$/.test(hexDigits)) return this.print('!! /binary takes hex bytes, e.g. /binary 12 00 ff');
        return this.sendMessage(Opcode.Binary, Buffer.from(hexDigits, 'hex'));
      }
      case '/ping':
      case '/pong': {
        const payload = Buffer.from(rest.join(' '));
        if (payload.length > 125) return this.print('!! control frames carry at most 125 bytes');
        return this.sendFrame(word === '/ping' ? Opcode.Ping : Opcode.Pong, payload);
      }
      case '/close': {
        const code = args[0] === undefined ? CloseCode.NormalClosure : Number(args[0]);
        return this.sendClose(code, rest.slice(1).join(' ').trim());
      }
      case '/place':
      case '/subscribe':
      case '/tping':
        if (!this.options.tessera) return this.print(`!! ${word} needs --tessera`);
        try {
          const n = numbers();
          if (word === '/tping') return this.sendMessage(Opcode.Binary, Buffer.from(encodePing(Date.now())));
          if (word === '/place') return this.sendMessage(Opcode.Binary, Buffer.from(encodePlace(Date.now() >>> 0, n[0]!, n[1]!, n[2]!, n[3]!)));
          return this.sendMessage(Opcode.Binary, Buffer.from(encodeSubscribe(n[0]!, n.slice(1))));
        } catch (error) {
          return this.print(`!! ${(error as Error).message}`);
        }
      case '/help':
        return this.print(USAGE.slice(USAGE.indexOf('At the prompt')));
      default:
        return this.print(`!! unknown command ${word} (/help lists them)`);
    }
  }

  /** The end of input: close, unless that has begun. */
  end(): void {
    this.inputEnded = true;
    if (this.socket.destroyed || this.waiting !== null) return; // still opening: closed once the waiting lines are sent
    if (!this.closeSent) this.sendClose(CloseCode.NormalClosure, '');
  }

  private sendMessage(opcode: number, payload: Buffer): void {
    const compressed = this.canCompress && payload.length >= MIN_COMPRESSED_SIZE ? this.compression!.compress(payload) : null;
    if (compressed === null) return this.sendFrame(opcode, payload);
    this.write(encodeFrame(opcode, compressed, { mask: randomBytes(4), compressed: true }));
  }

  private sendClose(code: number, reason: string): void {
    if (this.closeSent) return;
    let payload = Buffer.alloc(0);
    if (code !== 0) {
      if (!Number.isInteger(code) || code < 0 || code > 0xffff) return this.print(`!! not a close code: ${code}`);
      payload = Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason).subarray(0, 123)]);
    }
    this.closeSent = true;
    this.sendFrame(Opcode.Close, payload);
    // The server ends TCP once both Close frames have crossed (§7.1.1); one that does not is dropped.
    this.closeTimer = setTimeout(() => this.socket.destroy(), CLOSE_TIMEOUT_MS);
  }

  /** Client frames are masked with a fresh random key each (§5.3). */
  private sendFrame(opcode: number, payload: Uint8Array): void {
    this.write(encodeFrame(opcode, payload, { mask: randomBytes(4) }));
  }

  private write(frame: Buffer): void {
    for (const dissected of this.fromClient!.push(frame)) for (const line of frameLines(dissected, true, this.options.tessera)) this.print(line);
    this.socket.write(frame);
  }

  private fail(reason: string): void {
    this.print(`!! ${reason}`);
    this.waiting = [];
    this.socket.destroy();
  }
}

function main(): void {
  const options = parseArgs(process.argv.slice(2));
  if (typeof options === 'string') {
    (options === USAGE ? console.log : console.error)(options);
    process.exitCode = options === USAGE ? 0 : 2;
    return;
  }
  const client = new Client(options, (line) => console.log(line));
  const input = createInterface({ input: process.stdin, terminal: false });
  input.on('line', (line) => client.command(line));
  input.on('close', () => client.end());
  client.socket.on('close', () => input.close());
}

main();
