// The canvas service: the boards of the configuration, the placements that
// write to them, and the broadcaster that shows the writes to everyone.
import { Board } from '../canvas/board.js';
import type { BoardDefinition } from '../config/boards.js';
import type { ServerConfig } from '../config/settings.js';
import type { HttpRequest } from '../net/router.js';
import type { WritePolicy } from '../placement/write-policy.js';
import { Broadcaster } from '../broadcast/broadcaster.js';
import { systemClock, type Clock } from '../clock.js';
import { allowEveryone, type Authoriser } from '../placement/authorise.js';
import type { CommitStage } from '../placement/commit.js';
import { PlacementPipeline } from '../placement/pipeline.js';
import { ChunkFrameCache } from '../broadcast/chunk-frame-cache.js';
import { encodeOnline } from '../protocol/messages.js';
import type { Registry } from '../telemetry/metrics.js';
import { createCanvasMetrics, type CanvasMetrics } from '../telemetry/canvas-metrics.js';
import { prepareFrame } from '../websocket/frame-encoder.js';
import { Opcode } from '../websocket/opcodes.js';

const HOUSEKEEPING_MS = 1000;

export class Canvas {
  readonly boards: Board[];
  /** Per board index: how it may be written to (an operator may change its buckets at run time). */
  readonly policies: WritePolicy[];
  /** Per board index: the policy of the configuration. */
  readonly configuredPolicies: readonly WritePolicy[];
  readonly byId: Map<string, Board>;
  readonly metrics: CanvasMetrics;
  readonly placements: PlacementPipeline;
  readonly chunkFrames = new ChunkFrameCache();
  readonly broadcaster: Broadcaster;
  /**
   * A request's signed-in account (its history actor "user:N", role, and the guest actor it
   * registered from, if any), or undefined for a guest; set by moderation.
   */
  account: (request: HttpRequest) => { actor: string; role: string; guestActor: string | null } | undefined = () => undefined;
  /** The username of a history actor that is an account ("user:N"), else null; set by moderation. */
  displayName: (actor: string) => string | null = () => null;
  /** The counts ONLINE tells, from this process's own (cluster mode: every member's). */
  onlineTotals: (local: readonly number[]) => readonly number[] = (local) => local;
  private timer: NodeJS.Timeout | null = null;
  private lastOnline = '';

  constructor(
    readonly settings: ServerConfig,
    definitions: readonly BoardDefinition[],
    registry: Registry,
    commit: CommitStage,
    readonly clock: Clock = systemClock,
    authorise: Authoriser = allowEveryone,
  ) {
    this.boards = definitions.map(({ policy, ...board }, index) => new Board(board, index));
    this.policies = definitions.map((definition) => definition.policy);
    this.configuredPolicies = [...this.policies];
    this.byId = new Map(this.boards.map((board) => [board.config.id, board]));
    this.metrics = createCanvasMetrics(registry, {
      chunksAllocated: () => this.boards.reduce((sum, b) => sum + b.allocatedChunks, 0),
      canvasBytes: () => this.boards.reduce((sum, b) => sum + b.memoryBytes, 0),
    });
    this.placements = new PlacementPipeline(this.policies, { authorise, commit }, clock, this.metrics);
    this.broadcaster = new Broadcaster(this.boards, settings, this.metrics, this.chunkFrames, clock);
  }

  start(): void {
    this.broadcaster.start();
    this.timer = setInterval(() => this.housekeeping(), HOUSEKEEPING_MS);
    this.timer.unref();
  }

  stop(): void {
    this.broadcaster.stop();
    if (this.timer) clearInterval(this.timer);
  }

  /** The online counts as an ONLINE message (one frame for everyone). */
  onlineFrame(): Buffer {
    const counts = this.onlineTotals(this.broadcaster.onlineCounts());
    // A client given counts other than the last broadcast (a newcomer) must hear the
    // next housekeeping's counts even if they are back to that broadcast.
    if (counts.join(',') !== this.lastOnline) this.lastOnline = '';
    const entries = counts.map((count, board) => ({ board, count }));
    return prepareFrame(Opcode.Binary, encodeOnline(entries));
  }

  // Once a second: tell everyone how many are online when it changed, and
  // forget rate-limit buckets that have refilled.
  private housekeeping(): void {
    const counts = this.onlineTotals(this.broadcaster.onlineCounts()).join(',');
    if (counts !== this.lastOnline) {
      this.lastOnline = counts;
      this.broadcaster.sendToAll(this.onlineFrame());
    }
    this.placements.sweep();
  }
}
