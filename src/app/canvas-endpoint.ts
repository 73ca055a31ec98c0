// WebSocket /ws: the canvas protocol of docs/PROTOCOL.md. Decodes client
// messages, answers them, and registers the client with the broadcaster.
import { CanvasClient } from '../broadcast/canvas-client.js';
import type { Board } from '../canvas/board.js';
import { TokenBucket } from '../ratelimit/token-bucket.js';
import {
  decodeClientMessage, encodeAck, encodeHello, encodePong, encodeProtocolError, encodeQuota, encodeReject,
  ProtocolErrorCode, PROTOCOL_VERSION, type ChunkListMessage, type ClientMessage,
} from '../protocol/messages.js';
import type { DeflatePolicy } from '../websocket/deflate-negotiation.js';
import type { WebSocketConnection } from '../websocket/connection.js';
import type { WebSocketEndpoint } from '../websocket/endpoint.js';
import { CloseCode } from '../websocket/opcodes.js';
import { ConnectionState } from '../websocket/protocol.js';
import type { HttpRequest } from '../net/router.js';
import { guestActor } from '../placement/actor.js';
import type { PlacementResult, Write, Writer } from '../placement/write.js';
import type { Canvas } from './canvas.js';
import { identify, type Identity } from './identity.js';
import type { InspectorHub } from './inspect/hub.js';
import { clampU16, helloJson } from './json.js';

interface HandshakeContext {
  identity: Identity;
  account: ConnectionAccount | undefined;
}

// More malformed messages than this within a minute and the client is closed with 1008.
const MAX_FAULTS_PER_MINUTE = 20;

// permessage-deflate for a broadcaster: our messages without context takeover,
// so one compressed encoding (a PreparedMessage) serves every subscriber; the
// clients' too, so no connection keeps a window between messages.
const SHARED_COMPRESSION: DeflatePolicy = {
  serverNoContextTakeover: true,
  clientNoContextTakeover: true,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

/** The session of a /ws connection, or null for a connection of another endpoint. */
export function canvasSession(connection: WebSocketConnection): string | null {
  return connection.context instanceof CanvasClient ? connection.context.session : null;
}

/** A viewer that may write: its names in the history, computed once per connection. */
export class CanvasWriter extends CanvasClient implements Writer {
  readonly guest: string;

  readonly actor: string | undefined;
  readonly role: string | undefined;

  constructor(connection: WebSocketConnection, session: string, ip: string, boardCount: number, account: ConnectionAccount | undefined) {
    super(connection, session, ip, boardCount);
    this.guest = guestActor(session);
    this.actor = account?.actor;
    this.role = account?.role;
  }
}

/** A signed-in connection's account: its history actor ("user:N") and its role. */
export interface ConnectionAccount {
  actor: string;
  role: string;
}

/** Moderation's say over connections (src/app/moderation/live.ts). */
export interface ConnectionGate {
  /** The account the handshake's cookie names, or undefined for a guest. */
  accountOf(request: HttpRequest): ConnectionAccount | undefined;
  /** A new client, before HELLO: false when it may not stay (the gate has told it why and closed it). */
  admit(client: CanvasWriter): boolean;
  /** After HELLO and ONLINE: what else a newcomer must know (locks, board states). */
  greet(client: CanvasWriter): void;
  leave(client: CanvasWriter): void;
}

const OPEN_GATE: ConnectionGate = { accountOf: () => undefined, admit: () => true, greet: () => {}, leave: () => {} };

/** `gate`: moderation's say over connections; `inspectors`: the wire inspectors, shown the connections of their own session. */
export function canvasEndpoint(canvas: Canvas, gate: ConnectionGate = OPEN_GATE, inspectors: InspectorHub | null = null): WebSocketEndpoint {
  const { broadcaster, placements, settings } = canvas;

  function fault(client: CanvasClient, code: number, message: string): void {
    const now = canvas.clock.now();
    if (now - client.faultWindowStart > 60_000) {
      client.faultWindowStart = now;
      client.faults = 0;
    }
    if (++client.faults > MAX_FAULTS_PER_MINUTE) {
      client.connection.close(CloseCode.PolicyViolation, 'too many malformed messages');
      return;
    }
    client.connection.send(encodeProtocolError(code, message));
  }

  function sendQuota(client: CanvasClient, board: Board): void {
    const quota = placements.quota(board, client);
    client.connection.send(encodeQuota(board.index, clampU16(quota.available), clampU16(quota.capacity), Math.min(quota.nextInMs, 0xffffffff)));
  }

  function answer(client: CanvasClient, board: Board, requestId: number, result: PlacementResult): void {
    if (client.connection.state !== ConnectionState.Open) return; // it left while its write was being committed
    // A group commit settles many requests at once, each in a promise callback: their ACKs and
    // QUOTAs leave in one write per connection, not two each.
    client.connection.batchThisTurn();
    if (result.ok) client.connection.send(encodeAck(requestId, result.count, result.color));
    else client.connection.send(encodeReject(requestId, result.reason, Math.min(result.retryAfterMs, 0xffffffff)));
    sendQuota(client, board);
  }

  function place(client: CanvasClient, board: Board, requestId: number, write: Write): void {
    const result = placements.submit({ board, writer: client, write, source: 'ws' });
    if (result instanceof Promise) void result.then((settled) => answer(client, board, requestId, settled));
    else answer(client, board, requestId, result);
  }

  function changeSubscriptions(client: CanvasClient, board: Board, message: ChunkListMessage): void {
    const { chunks } = message;
    const { subscriptions } = broadcaster;
    if (message.type === 'subscribe') subscriptions.view(client, board.index);
    for (let i = 0; i < chunks.length; i += 2) {
      const cx = chunks[i]!;
      const cy = chunks[i + 1]!;
      if (cx >= board.chunksX || cy >= board.chunksY) {
        fault(client, ProtocolErrorCode.Malformed, `chunk (${cx}, ${cy}) is outside board ${board.config.id}`);
        continue;
      }
      const chunk = cy * board.chunksX + cx;
      if (message.type === 'unsubscribe') {
        subscriptions.remove(client, board.index, chunk);
      } else if (!client.isSubscribed(board.index, chunk)) {
        if (client.subscriptionCount >= settings.maxSubscriptionsPerClient) {
          fault(client, ProtocolErrorCode.TooManySubscriptions, `at most ${settings.maxSubscriptionsPerClient} chunks`);
          return;
        }
        subscriptions.add(client, board.index, chunk);
        broadcaster.sendChunk(client, board, chunk);
      }
    }
  }

  function handle(client: CanvasClient, message: ClientMessage): void {
    if (message.type === 'ping') {
      client.connection.send(encodePong(message.clientTime, canvas.clock.now()));
      return;
    }
    const board = canvas.boards[message.board];
    if (board === undefined) return fault(client, ProtocolErrorCode.UnknownBoard, `no board ${message.board}`);
    switch (message.type) {
      case 'subscribe':
      case 'unsubscribe':
        return changeSubscriptions(client, board, message);
      case 'place':
        return place(client, board, message.requestId, { kind: 'pixel', x: message.x, y: message.y, color: message.color });
      case 'place-batch':
        return place(client, board, message.requestId, { kind: 'batch', pixels: message.pixels, count: message.count });
      case 'tile-write':
        return place(client, board, message.requestId, { kind: 'tile', tx: message.tx, ty: message.ty, colors: message.colors });
    }
  }

  return {
    protocols: ['tessera.v1'],
    limits: {
      // The largest message is a tile write: 14 bytes + tileSize² colours.
      maxFrameSize: 64 * 1024,
      maxMessageSize: 64 * 1024,
      maxFragments: 16,
    },
    // 100 messages per second, in bursts of up to 200.
    messageLimiter: (now) => new TokenBucket(200, 100, now),
    ...(settings.wsCompression ? { compression: SHARED_COMPRESSION } : {}),
    accept(request) {
      const identity = identify(request, settings);
      const context: HandshakeContext = { identity, account: gate.accountOf(request) };
      return { headers: identity.setCookie ? `Set-Cookie: ${identity.setCookie}\r\n` : '', context };
    },
    onOpen(connection, handshake) {
      const { identity: { session, ip }, account } = connection.context as HandshakeContext;
      const client = new CanvasWriter(connection, session, ip, canvas.boards.length, account);
      connection.context = client;
      inspectors?.opened(connection, session, handshake); // before the first frame, so an inspector sees them all
      if (!gate.admit(client)) return;
      broadcaster.add(client);
      const json = JSON.stringify(helloJson(session, canvas.boards, canvas.policies, (board) => placements.quota(board, client)));
      connection.send(encodeHello(Buffer.from(session, 'base64url'), json, PROTOCOL_VERSION));
      connection.sendPrepared(canvas.onlineFrame());
      gate.greet(client);
    },
    onMessage(connection, data, binary) {
      const client = connection.context as CanvasWriter;
      if (client.connection.state !== ConnectionState.Open) return; // refused at the door: closing
      if (!binary) return fault(client, ProtocolErrorCode.TextMessage, 'messages are binary');
      const message = decodeClientMessage(data);
      if (message.type === 'fault') return fault(client, message.code, message.message);
      handle(client, message);
    },
    onDrain(connection) {
      if (connection.context instanceof CanvasClient) broadcaster.drained(connection.context);
    },
    onClose(connection) {
      const client = connection.context;
      if (!(client instanceof CanvasWriter)) return; // closed before it opened
      broadcaster.remove(client);
      gate.leave(client);
    },
  };
}
