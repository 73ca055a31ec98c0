// One inspector page, attached through its own WebSocket (/inspect/ws): the
// connections of its session that it shows, and the records on their way to
// it. Records wait in a bounded queue while the page's socket is busy; when
// the queue is full the oldest go, and the page is told how many it missed.
// So a page that stops reading costs at most MAX_QUEUED_BYTES here, plus
// what its socket holds (SEND_WHILE_BUFFERED_BELOW), and never slows the
// connections it watches.
import type { Clock } from '../../clock.js';
import type { InspectorRecord } from '../../protocol/inspector-json.js';
import type { WebSocketConnection } from '../../websocket/connection.js';
import type { DeflateAgreement } from '../../websocket/deflate-negotiation.js';
import type { OpeningHandshake } from '../../websocket/endpoint.js';
import { acceptKeySteps } from '../../websocket/handshake.js';
import { InspectedConnection, type InspectionLimits } from './inspected-connection.js';

export interface InspectorLimits extends InspectionLimits {
  /** Connections of its session one inspector shows at a time; more are left alone. */
  maxConnections: number;
  /** Records waiting for the page, in bytes of JSON; past it the oldest are dropped. */
  maxQueuedBytes: number;
}

// Records go out while the page's socket holds less than this.
const SEND_WHILE_BUFFERED_BELOW = 64 * 1024;

let nextConnectionId = 1;

export class Inspector {
  private readonly shown = new Map<WebSocketConnection, InspectedConnection>(); // each is one tap of its connection
  private readonly queue: string[] = [];
  private queuedBytes = 0;
  private dropped = 0;

  constructor(
    readonly session: string,
    readonly page: WebSocketConnection,
    private readonly limits: InspectorLimits,
    private readonly clock: Clock,
  ) {
    const { maxConnections, shownBytes, maxMessageBytes } = limits;
    this.publish({ kind: 'attached', maxConnections, shownBytes, maxMessageBytes });
  }

  /** Bytes of records waiting for the page. */
  get queued(): number {
    return this.queuedBytes;
  }

  get connectionCount(): number {
    return this.shown.size;
  }

  /** Starts showing `connection` (of this inspector's session); `handshake` when it is opening now. */
  show(connection: WebSocketConnection, handshake: OpeningHandshake | null): void {
    if (this.shown.has(connection)) return;
    if (this.shown.size >= this.limits.maxConnections) {
      this.publish({ kind: 'not-shown', reason: `this inspector already shows ${this.limits.maxConnections} connections` });
      return;
    }
    const id = nextConnectionId++;
    const compression = connection.compression;
    const inspected = new InspectedConnection(id, compression, this.limits, this.clock, (record) => this.publish(record), () => this.shown.delete(connection));
    this.shown.set(connection, inspected);
    this.publish({
      kind: 'open',
      connection: id,
      at: this.clock.now(),
      handshake: handshake === null ? null : handshakeJson(handshake),
      compression: compression === null ? null : agreementText(compression),
    });
    connection.addTap(inspected);
  }

  /** The page left: the connections it showed go back to being unobserved. */
  detach(): void {
    for (const [connection, inspected] of this.shown) connection.removeTap(inspected);
    this.shown.clear();
    this.queue.length = 0;
    this.queuedBytes = 0;
  }

  /** The page's socket drained: send what waits. */
  flush(): void {
    const page = this.page;
    while (this.queue.length > 0 && page.bufferedAmount < SEND_WHILE_BUFFERED_BELOW) {
      if (this.dropped > 0) {
        page.send(JSON.stringify({ kind: 'dropped', count: this.dropped } satisfies InspectorRecord));
        this.dropped = 0;
      }
      const record = this.queue.shift()!;
      this.queuedBytes -= record.length;
      page.send(record);
    }
  }

  private publish(record: InspectorRecord): void {
    const json = JSON.stringify(record);
    this.queue.push(json);
    this.queuedBytes += json.length;
    while (this.queuedBytes > this.limits.maxQueuedBytes && this.queue.length > 1) {
      this.queuedBytes -= this.queue.shift()!.length;
      this.dropped++;
    }
    this.flush();
  }
}

/** The agreed permessage-deflate parameters, written as a response header would. */
function agreementText(agreement: DeflateAgreement): string {
  return [
    'permessage-deflate',
    agreement.serverNoContextTakeover ? 'server_no_context_takeover' : '',
    agreement.clientNoContextTakeover ? 'client_no_context_takeover' : '',
    `server_max_window_bits=${agreement.serverMaxWindowBits}`,
    `client_max_window_bits=${agreement.clientMaxWindowBits}`,
  ].filter(Boolean).join('; ');
}

function handshakeJson({ request, response }: OpeningHandshake) {
  const key = request.head.headers.get('sec-websocket-key');
  return { request: hideCookies(request.head.text) + '\r\n', response, accept: key === undefined ? null : acceptKeySteps(key) };
}

/** The request head with cookie values replaced by "…": the session cookie is HttpOnly, so no page script may read it. */
export function hideCookies(head: string): string {
  return head
    .split('\r\n')
    .map((line) => {
      const colon = line.indexOf(':');
      if (colon < 0 || line.slice(0, colon).toLowerCase() !== 'cookie') return line;
      const pairs = line.slice(colon + 1).split(';').map((pair) => {
        const eq = pair.indexOf('=');
        return eq < 0 ? pair : `${pair.slice(0, eq + 1)}…`;
      });
      return `${line.slice(0, colon + 1)}${pairs.join(';')}`;
    })
    .join('\r\n');
}
