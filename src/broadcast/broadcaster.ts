// The tick loop: each tick takes the boards' changes, asks the TickPlanner
// what everyone gets (tick-planner.ts), has the TickWriter send it through the
// subscribers' sinks (tick-writer.ts), and records the tick in the metrics.
// Between ticks it plans and writes the same way for one subscriber: a chunk
// it subscribes to, and the next window of a paced catch-up when its sink
// drains. Time comes from the injected Clock, the next tick (and the next
// slice of a tick's writing) from the injected TickScheduler. The next tick is
// planned once the last one is written.
//
// The tick's timer does not plan the tick: it queues it behind the I/O that
// is ready (`soon`, setImmediate), so a tick is planned and written in the
// check phase of a turn of the event loop, after that turn's reads, like every
// later slice of its writing. Each turn then holds at most one slice of
// writing between two polls for I/O; planned in the timers phase, a tick's
// first slice would follow the last slice of the tick before it (check phase,
// then the next turn's timers, with no poll between): two slices in a row.
import type { Board, ChunkChange } from '../canvas/board.js';
import { systemClock, type Clock } from '../clock.js';
import type { CanvasMetrics } from '../telemetry/canvas-metrics.js';
import type { ChunkFrameCache } from './chunk-frame-cache.js';
import type { Subscriber } from './subscriber.js';
import { SubscriptionIndex } from './subscriptions.js';
import { TickPlanner, type Backlog, type SlowClientLimits } from './tick-planner.js';
import { timerScheduler, type TickScheduler } from './tick-scheduler.js';
import { TickWriter } from './tick-writer.js';

export interface BroadcastSettings extends SlowClientLimits {
  tickRateHz: number;
}

// A tick's writing runs at most this long before the event loop gets a turn.
const WRITE_SLICE_MS = 8;

const bufferedAmount: Backlog = (subscriber) => subscriber.connection.bufferedAmount;

export class Broadcaster {
  readonly subscriptions: SubscriptionIndex;
  private readonly clients = new Set<Subscriber>();
  private readonly planner: TickPlanner;
  private readonly writer: TickWriter;
  private readonly changes: ChunkChange[][];
  private readonly intervalMs: number;
  private running = false;
  private ticksThisSecond = 0;
  private tickNumber = 0;
  private secondStartedAt = 0;
  private lastBehind = 0;
  private tickStarted = 0;

  constructor(
    private readonly boards: readonly Board[],
    settings: BroadcastSettings,
    private readonly metrics: CanvasMetrics,
    chunkFrames: ChunkFrameCache,
    private readonly clock: Clock = systemClock,
    private readonly scheduler: TickScheduler = timerScheduler(),
  ) {
    this.subscriptions = new SubscriptionIndex(boards.map((b) => b.chunksX * b.chunksY));
    this.planner = new TickPlanner(boards, settings, chunkFrames);
    this.changes = boards.map(() => []);
    this.intervalMs = 1000 / settings.tickRateHz;
    this.writer = new TickWriter(clock, scheduler.soon.bind(scheduler), WRITE_SLICE_MS);
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
    return this.planner.behindCount;
  }

  /** Every connected client (read-only view, for tests and tools). */
  get allClients(): ReadonlySet<Subscriber> {
    return this.clients;
  }

  add(client: Subscriber): void {
    this.clients.add(client);
  }

  remove(client: Subscriber): void {
    this.clients.delete(client);
    if (client.behind) {
      this.planner.forget(client);
      this.countBehind();
    }
    this.subscriptions.removeClient(client);
  }

  /** Writes one prepared frame to every client that keeps up (e.g. ONLINE). */
  sendToAll(frame: Buffer): void {
    for (const client of this.clients) if (!client.behind) client.connection.sendPrepared(frame);
  }

  /**
   * A chunk `client` just subscribed to: sent now if its sink has room, else
   * owed and sent with its paced catch-up.
   */
  sendChunk(client: Subscriber, board: Board, chunk: number): void {
    const frame = this.planner.planSubscribe(client, board, chunk, client.connection.bufferedAmount, this.clock.now());
    if (frame !== null) client.connection.sendPrepared(frame);
    else this.countBehind();
  }

  /** The client's sink drained: the next window of its catch-up, if it is catching up. */
  drained(client: Subscriber): void {
    if (!client.behind) return;
    this.writer.writeOne(client); // what the tick being written still holds for it goes first
    const caughtUp = this.planner.planDrain(client, client.connection.bufferedAmount, this.clock.now());
    this.writer.writeOne(client);
    if (caughtUp) this.metrics.catchUps.inc();
    this.countBehind();
  }

  /** Clients looking at each board right now. */
  onlineCounts(): readonly number[] {
    return this.subscriptions.viewers;
  }

  start(): void {
    this.running = true;
    this.secondStartedAt = this.clock.now();
    this.scheduler.after(this.intervalMs, this.loop);
  }

  stop(): void {
    this.running = false;
    this.scheduler.cancel();
  }

  private readonly loop = (): void => {
    this.scheduler.soon(this.tickAfterIo);
  };

  private readonly tickAfterIo = (): void => {
    if (this.running) this.tick();
  };

  // The tick's last write is done: record it, and plan the next one. Under
  // overload a tick takes longer than the interval: the next one starts right
  // away instead of piling up, and the rate falls gracefully.
  private readonly written = (): void => {
    const now = this.clock.now();
    this.recordTick(this.tickStarted, now);
    if (!this.running) return;
    this.scheduler.after(Math.max(0, this.intervalMs - (now - this.tickStarted)), this.loop);
  };

  /** Plans a tick and writes it, in slices (see tick-writer.ts); the next tick is scheduled when it is written. */
  tick(): void {
    this.writer.finish(); // a tick run by hand while the last one is still being written
    const { boards, changes, clock } = this;
    const started = (this.tickStarted = clock.now());
    this.tickNumber++;
    for (let b = 0; b < boards.length; b++) changes[b] = boards[b]!.takeChanges();
    const plan = this.planner.planTick(changes, this.subscriptions, bufferedAmount, started);
    const { metrics } = this;
    if (plan.diffMessages > 0) metrics.diffMessages.inc(undefined, plan.diffMessages);
    if (plan.caughtUp.length > 0) metrics.catchUps.inc(undefined, plan.caughtUp.length);
    if (plan.closing.length > 0) metrics.slowClientsClosed.inc(undefined, plan.closing.length);
    this.countBehind();
    this.writer.write(plan, this.written, started);
  }

  private countBehind(): void {
    const behind = this.planner.behindCount;
    if (behind === this.lastBehind) return;
    this.lastBehind = behind;
    this.metrics.clientsBehind.set(behind);
  }

  private recordTick(started: number, now: number): void {
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
