// The tick loop. Each tick, every board's changes are encoded once per dirty
// chunk (a DIFF section), and each client gets at most one DIFF message with
// the sections of the chunks it watches. Clients watching the same changes
// share one prepared frame. A client whose socket backs up stops getting
// diffs; once it drains it gets the current contents of what changed (a
// catch-up, paced by catch-up.ts), and if it stays stuck it is closed with 1013.
import type { Board } from '../canvas/board.js';
import { DIFF_PREFIX, encodeDiffSection } from '../protocol/messages.js';
import type { CanvasMetrics } from '../telemetry/canvas-metrics.js';
import { prepareFrame } from '../websocket/frame-encoder.js';
import { CloseCode, Opcode } from '../websocket/opcodes.js';
import type { CanvasClient } from './canvas-client.js';
import { takeOwedChunks } from './catch-up.js';
import { chunkMessage } from './chunk-message.js';
import type { ChunkFrameCache } from './chunk-frame-cache.js';
import { SubscriptionIndex } from './subscriptions.js';

export interface BroadcastSettings {
  tickRateHz: number;
  slowClientHighWaterBytes: number;
  slowClientHardLimitBytes: number;
  slowClientDeadlineMs: number;
}

interface SharedMessage {
  parts: Uint8Array[];
  length: number;
  frame: Buffer | null;
}

function sameParts(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class Broadcaster {
  readonly subscriptions: SubscriptionIndex;
  private readonly clients = new Set<CanvasClient>();
  private readonly behind = new Set<CanvasClient>();
  private readonly touched: CanvasClient[] = [];
  private readonly corked: CanvasClient[] = [];
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | null = null;
  private ticksThisSecond = 0;
  private tickNumber = 0;
  private sectionCount = 0;
  private secondStartedAt = 0;

  constructor(
    private readonly boards: readonly Board[],
    private readonly settings: BroadcastSettings,
    private readonly metrics: CanvasMetrics,
    private readonly chunkFrames: ChunkFrameCache,
  ) {
    this.subscriptions = new SubscriptionIndex(boards.map((b) => b.chunksX * b.chunksY));
    this.intervalMs = 1000 / settings.tickRateHz;
  }

  get clientCount(): number {
    return this.clients.size;
  }

  /** Ticks run so far. */
  get tickCount(): number {
    return this.tickNumber;
  }

  /** Clients currently too slow to receive diffs. */
  get behindCount(): number {
    return this.behind.size;
  }

  /** Every connected client (read-only view, for tests and tools). */
  get allClients(): ReadonlySet<CanvasClient> {
    return this.clients;
  }

  add(client: CanvasClient): void {
    this.clients.add(client);
  }

  remove(client: CanvasClient): void {
    this.clients.delete(client);
    if (this.behind.delete(client)) this.metrics.clientsBehind.set(this.behind.size);
    this.subscriptions.removeClient(client);
  }

  /** Writes one prepared frame to every client that keeps up (e.g. ONLINE). */
  sendToAll(frame: Buffer): void {
    for (const client of this.clients) if (client.behindSince === 0) client.connection.sendPrepared(frame);
  }

  /**
   * A chunk `client` just subscribed to: sent now if its socket has room,
   * else owed and sent with its catch-up (a resubscribing client may ask for
   * 1,024 whole chunks at once).
   */
  sendChunk(client: CanvasClient, board: Board, chunk: number): void {
    if (client.behindSince === 0) {
      const frame = this.chunkFrames.frame(board, chunk);
      if (client.connection.bufferedAmount + frame.length <= this.highWater) return client.connection.sendPrepared(frame);
      this.fallBehind(client);
    }
    client.markMissed(board.index, chunk);
  }

  /** The client's socket drained: the next window of its catch-up, if it is catching up. */
  drained(client: CanvasClient): void {
    if (client.behindSince !== 0 && this.behind.has(client)) {
      this.catchUp(client);
      this.metrics.clientsBehind.set(this.behind.size);
    }
  }

  /** Clients looking at each board right now. */
  onlineCounts(): readonly number[] {
    return this.subscriptions.viewers;
  }

  start(): void {
    this.secondStartedAt = performance.now();
    const loop = () => {
      const started = performance.now();
      this.tick();
      // Under overload a tick takes longer than the interval: the next one
      // starts right away instead of piling up, and the rate falls gracefully.
      const spent = performance.now() - started;
      this.timer = setTimeout(loop, Math.max(0, this.intervalMs - spent));
    };
    this.timer = setTimeout(loop, this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  tick(): void {
    const started = performance.now();
    this.tickNumber++;
    for (const board of this.boards) this.collect(board);
    this.flush();
    for (const client of this.corked) client.connection.socket.uncork();
    this.corked.length = 0;
    if (this.behind.size > 0) this.serviceSlowClients();
    this.recordTick(started);
  }

  /** Encodes each changed chunk once and hands the section to its audience. */
  private collect(board: Board): void {
    for (const change of board.takeChanges()) {
      const audience = this.subscriptions.subscribersOf(board.index, change.chunk);
      if (audience === null) continue;
      // Past a third of the chunk, its full contents are smaller than a diff
      // (3 bytes per changed pixel against 1 per pixel): send a CHUNK instead.
      if (change.offsets.length * 3 > board.config.chunkSize ** 2) {
        const frame = prepareFrame(Opcode.Binary, chunkMessage(board, change.chunk));
        for (const client of audience) {
          if (!this.keepsUp(client)) {
            client.markMissed(board.index, change.chunk);
            continue;
          }
          // This tick's CHUNKs and DIFF leave a client's socket in one writev.
          if (client.corkedTick !== this.tickNumber) {
            client.corkedTick = this.tickNumber;
            client.connection.socket.cork();
            this.corked.push(client);
          }
          client.connection.sendPrepared(frame);
        }
        continue;
      }
      const section = encodeDiffSection(board.index, change.cx, change.cy, change.fromVersion, change.toVersion, change.offsets,
        board.chunkData(change.chunk), board.config.background);
      const sectionId = ++this.sectionCount;
      for (const client of audience) {
        if (!this.keepsUp(client)) {
          client.markMissed(board.index, change.chunk);
          continue;
        }
        if (client.tickParts.length === 0) {
          client.tickParts.push(DIFF_PREFIX);
          client.tickBytes = 1;
          this.touched.push(client);
        }
        client.tickParts.push(section);
        client.tickBytes += section.length;
        client.tickHash = (Math.imul(client.tickHash, 31) + sectionId) | 0;
      }
    }
  }

  /**
   * One message per touched client. Clients whose parts are the same sections
   * (found by a running hash, confirmed part by part) share one frame: the
   * first writes the parts as they are, the second builds the frame that it
   * and everyone after it write.
   */
  private flush(): void {
    if (this.touched.length === 0) return;
    const groups = new Map<number, SharedMessage>();
    for (const client of this.touched) {
      const { connection, tickParts } = client;
      const group = groups.get(client.tickHash);
      if (group === undefined) {
        groups.set(client.tickHash, { parts: tickParts.slice(), length: client.tickBytes, frame: null });
        connection.sendParts(tickParts, client.tickBytes);
      } else if (!sameParts(group.parts, tickParts)) {
        connection.sendParts(tickParts, client.tickBytes); // a hash collision: send its own
      } else {
        group.frame ??= prepareFrame(Opcode.Binary, Buffer.concat(group.parts, group.length));
        connection.sendPrepared(group.frame);
      }
      tickParts.length = 0;
      client.tickBytes = 0;
      client.tickHash = 0;
    }
    this.metrics.diffMessages.inc(undefined, this.touched.length);
    this.touched.length = 0;
  }

  private get highWater(): number {
    return this.settings.slowClientHighWaterBytes;
  }

  /** Whether `client` gets this tick's changes: checked once per tick, at its first change. */
  private keepsUp(client: CanvasClient): boolean {
    if (client.behindSince !== 0) return false;
    if (client.checkedTick !== this.tickNumber) {
      client.checkedTick = this.tickNumber;
      if (client.connection.bufferedAmount > this.highWater) {
        this.fallBehind(client);
        return false;
      }
    }
    return true;
  }

  private fallBehind(client: CanvasClient): void {
    client.behindSince = performance.now() || 1;
    this.behind.add(client);
    this.metrics.clientsBehind.set(this.behind.size);
  }

  /** Catches up those that drained; closes those stuck past the hard limit or the deadline. */
  private serviceSlowClients(): void {
    const now = performance.now();
    const { slowClientHardLimitBytes, slowClientDeadlineMs } = this.settings;
    for (const client of this.behind) {
      const buffered = client.connection.bufferedAmount;
      if (buffered <= this.highWater / 4) {
        this.catchUp(client);
      } else if (buffered > slowClientHardLimitBytes || now - client.behindSince > slowClientDeadlineMs) {
        this.behind.delete(client);
        this.metrics.slowClientsClosed.inc();
        client.connection.close(CloseCode.TryAgainLater, 'too slow to keep up');
      }
    }
    this.metrics.clientsBehind.set(this.behind.size);
  }

  /**
   * The current contents of every watched chunk that changed meanwhile (not
   * the backlog), paced by catch-up.ts: a window now, the next when the socket
   * drains. Each window is progress, so the deadline starts again; the client
   * gets diffs again once nothing is owed.
   */
  private catchUp(client: CanvasClient): void {
    const { connection } = client;
    if (!takeOwedChunks(client, this.boards, this.chunkFrames, connection.bufferedAmount, this.highWater, (frame) => connection.sendPrepared(frame))) {
      client.behindSince = performance.now() || 1;
      return;
    }
    this.behind.delete(client);
    client.behindSince = 0;
    this.metrics.catchUps.inc();
  }

  private recordTick(started: number): void {
    const now = performance.now();
    const seconds = (now - started) / 1000;
    this.metrics.ticks.inc();
    this.metrics.tickSeconds.inc(undefined, seconds);
    this.metrics.tickDuration.set(seconds);
    this.ticksThisSecond++;
    if (now - this.secondStartedAt >= 1000) {
      this.metrics.tickRate.set((this.ticksThisSecond * 1000) / (now - this.secondStartedAt));
      this.ticksThisSecond = 0;
      this.secondStartedAt = now;
    }
  }
}
