// One viewer of the canvas over /ws: a Subscriber whose sink is its WebSocket
// connection, plus what the endpoint needs to know about it.
import type { WebSocketConnection } from '../websocket/connection.js';
import { Subscriber } from './subscriber.js';

export class CanvasClient extends Subscriber {
  // The endpoint sends more than a broadcast does (replies, closes): it sees the whole connection.
  declare readonly connection: WebSocketConnection;
  /** Malformed messages in the current minute (too many → 1008). */
  faults = 0;
  faultWindowStart = 0;

  constructor(
    connection: WebSocketConnection,
    readonly session: string,
    readonly ip: string,
    boardCount: number,
  ) {
    super(connection, boardCount);
  }
}
