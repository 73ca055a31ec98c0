// The WebSocket to /ws: decodes every server message with the shared codec,
// measures round trips with PING/PONG, and reconnects with exponential backoff
// (plus jitter, so a restarted server is not hit by every client at once).
import {
  decodeServerMessage,
  encodePing,
  PROTOCOL_VERSION,
  type ServerMessage,
} from '../../src/protocol/messages.js';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting';

export interface ConnectionHandlers {
  /** Every decoded message, HELLO included (after its version was checked). */
  onMessage(message: ServerMessage): void;
  onState(state: ConnectionState, retryInMs: number): void;
  onLatency(ms: number): void;
}

const PING_EVERY_MS = 5_000;
const FIRST_RETRY_MS = 300;
const MAX_RETRY_MS = 10_000;

export class Connection {
  private socket: WebSocket | null = null;
  private attempt = 0;
  private retryTimer: number | null = null;
  private pingTimer: number | null = null;
  state: ConnectionState = 'connecting';
  latencyMs: number | null = null;
  /** Messages received, by type: for the status line and tests. */
  readonly received = new Map<string, number>();

  constructor(
    private readonly url: string,
    private readonly handlers: ConnectionHandlers,
  ) {
    // Back online (laptop lid, Wi-Fi): no point waiting for the backoff timer.
    window.addEventListener('online', () => {
      if (this.state === 'reconnecting') this.connectNow();
    });
  }

  start(): void {
    this.connectNow();
  }

  /** Sends if open; false when the bytes could not be sent (the resync after reconnecting covers them). */
  send(bytes: Uint8Array): boolean {
    if (this.socket === null || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(bytes);
    return true;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /**
   * Replaces the socket with a new one at once, on purpose (no backoff, never "offline"): the
   * server takes a socket's identity from its handshake, so after signing in or out it must
   * be a new one.
   */
  reconnect(): void {
    const old = this.socket;
    this.socket = null; // its close is ours: no retry for it
    this.stopPings();
    old?.close(1000, 'reconnect');
    this.attempt = 0;
    this.connectNow();
  }

  /** Drops the socket as if the network had: for tests of the reconnect path. */
  simulateDrop(): void {
    this.socket?.close(4000, 'simulated drop');
  }

  private connectNow(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.setState('connecting', 0);
    const socket = new WebSocket(this.url, 'tessera.v1');
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.onmessage = (event) => {
      if (this.socket !== socket || !(event.data instanceof ArrayBuffer)) return;
      this.receive(new Uint8Array(event.data));
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.stopPings();
      this.scheduleReconnect();
    };
  }

  private receive(bytes: Uint8Array): void {
    const message = decodeServerMessage(bytes);
    if (message.type === 'fault') {
      console.warn('tessera: dropped an undecodable server message:', message.message);
      return;
    }
    this.received.set(message.type, (this.received.get(message.type) ?? 0) + 1);
    if (message.type === 'hello') {
      if (message.protocolVersion !== PROTOCOL_VERSION) {
        console.error(`tessera: server speaks protocol ${message.protocolVersion}, this client ${PROTOCOL_VERSION}`);
        this.socket?.close(1000, 'protocol version');
        return;
      }
      this.attempt = 0;
      this.setState('open', 0);
      this.startPings();
    } else if (message.type === 'pong') {
      this.latencyMs = performance.now() - message.clientTime;
      this.handlers.onLatency(this.latencyMs);
    }
    this.handlers.onMessage(message);
  }

  private scheduleReconnect(): void {
    const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.attempt);
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.attempt++;
    this.setState('reconnecting', delay);
    this.retryTimer = window.setTimeout(() => this.connectNow(), delay);
  }

  private startPings(): void {
    this.stopPings();
    const ping = () => this.send(encodePing(performance.now()));
    ping();
    this.pingTimer = window.setInterval(ping, PING_EVERY_MS);
  }

  private stopPings(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private setState(state: ConnectionState, retryInMs: number): void {
    this.state = state;
    this.handlers.onState(state, retryInMs);
  }
}
