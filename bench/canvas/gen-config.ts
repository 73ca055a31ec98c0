// What the runner tells a bot generator process (its one JSON argument), and what the
// generator answers (JSON event lines on stdout, binary timing files on disk).
import type { Target } from './bot-client.js';
import type { ScheduleSpec } from './schedule.js';

export interface GeneratorConfig {
  /** This process's number and how many generator processes share the load. Placement `seq` is sent by process seq % generators. */
  index: number;
  generators: number;
  /** Whether this process sends placements (its share of the schedule); the slow clients' process does not. */
  placements: boolean;
  target: Target;
  /** Source addresses, round-robin over this process's sockets. */
  localAddresses: string[];
  boardId: string;
  /** Clients that read, place and are measured. */
  normalClients: number;
  /** Clients that stop reading their sockets at `pauseAtMs`; the first `resumeSlow` of them read again at `resumeAtMs`. */
  slowClients: number;
  resumeSlow: number;
  pauseAtMs: number | null;
  resumeAtMs: number | null;
  /**
   * A busy region for the slow clients: `painters` extra connections TILE_WRITE whole tiles of
   * board `boardId` in its chunks (0..chunksWide−1, 0), `tilesPerSec` in all, from T0 to the end
   * of the window; the slow clients (only they) watch those chunks too. Heavy DIFFs, so a paused
   * socket fills the kernel's buffers (~4 MiB on loopback) and the server's in seconds.
   */
  flood: { boardId: string; chunksWide: number; tilesPerSec: number; painters: number } | null;
  /** null: every chunk of the board; n: an n × n window of chunks per client (spread over the board). */
  viewportChunks: number | null;
  /**
   * One normal client in `parseEvery` parses its DIFFs' entries and records (placement, receiver)
   * times; the others only count messages and bytes, so that at 10,000 clients the bot's own
   * parsing does not become what is measured.
   */
  parseEvery: number;
  /** The normal and slow bots offer permessage-deflate (and must get it). */
  deflate: boolean;
  /** Handshakes (and subscriptions) in flight while connecting. */
  concurrency: number;
  handshakeTimeoutMs: number;
  schedule: ScheduleSpec;
  /** After the last placement, wait this long for its deliveries. */
  drainMs: number;
  /** Files `<outPrefix>.send`, `.recv-seq`, `.recv-t` are written here. */
  outPrefix: string;
}

/** The generator's `result` event. */
export interface GeneratorResult {
  event: 'result';
  index: number;
  normalConnected: number;
  slowConnected: number;
  failedConnects: number;
  connectErrors: [string, number][];
  connectMs: number;
  /** Placements this process sent (all / in the measured window). */
  placed: number;
  placedInWindow: number;
  acks: number;
  rejects: number;
  rejectReasons: Record<string, number>;
  /** Send lag (actual − due) of this process's placements, ms: its event loop's health. */
  sendLagP50Ms: number;
  sendLagP99Ms: number;
  sendLagMaxMs: number;
  /** DIFF messages read by normal / slow clients, whose read fell in the measured window. */
  diffsInWindow: number;
  diffBytesInWindow: number;
  /** The same DIFFs' frames as they were on the wire (header included; compressed, if they were). */
  diffWireBytesInWindow: number;
  slowDiffsInWindow: number;
  /** (placement, receiver) pairs recorded, and how many the subscriptions of normal clients call for. */
  pairs: number;
  expectedPairs: number;
  colorMismatches: number;
  /** Normal clients whose connection closed during the run; slow clients closed (by the server, e.g. 1013). */
  droppedNormal: number;
  slowClosed: number;
  /** CHUNK messages the slow bots read after the window started (catch-ups) and tile writes sent. */
  slowChunksAfterPause: number;
  tilesWritten: number;
  /** This process's CPU over the measured window, % of one core. */
  cpuPercent: number;
  /** Its event loop's delay over the window (monitorEventLoopDelay, 5 ms resolution): how late it could have read a socket. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}
