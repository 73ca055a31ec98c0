// The JSON the server sends: HELLO's text (docs/PROTOCOL.md, "HELLO's JSON") and the
// API's boards and overview (docs/API.md). Declared once, here: the server builds these
// shapes (src/app/json.ts, src/app/api/overview.ts) and the browser client reads them.

/** A rate-limit bucket of a board, as `policy.buckets` lists it. */
export interface BucketJson {
  key: 'session' | 'ip' | 'tile';
  /** Whole tokens, 1..65535. */
  capacity: number;
  refillPerSecond: number;
  /** 'pixel': a write costs one token per pixel; 'write': one per request. */
  unit: 'pixel' | 'write';
  /** Present when the bucket counts only writers of these roles ('guest', 'user', 'moderator', 'admin'). */
  roles?: string[];
}

/** What a board accepts: its writes and their rate limits. */
export interface BoardPolicyJson {
  /** PLACE_BATCH allowed. */
  strokes: boolean;
  /** Pixels per PLACE_BATCH. */
  maxBatch: number;
  /** TILE_WRITE (and the API's tile PUT/DELETE) allowed. */
  tileWrites: boolean;
  buckets: BucketJson[];
}

/** A board: one entry of HELLO's `boards`, of GET /api/boards, and GET /api/boards/:id. */
export interface BoardJson {
  id: string;
  /** The board's `b` on the wire: its position in HELLO's list. */
  index: number;
  title: string;
  width: number;
  height: number;
  chunkSize: number;
  /** "#RRGGBB"; a colour is its index here. */
  palette: string[];
  /** Palette index of never-written pixels. */
  background: number;
  /** Side of a tile write, or null on a board without tiles. */
  tileSize: number | null;
  policy: BoardPolicyJson;
}

/** A board's quota when HELLO was sent; QUOTA messages update it. */
export interface QuotaJson {
  board: number;
  available: number;
  capacity: number;
  /** Until the next token, 0 when one is available. */
  nextInMs: number;
}

/** HELLO's JSON. */
export interface HelloJson {
  /** HELLO's 16 session bytes in base64url, without padding. */
  sessionId: string;
  boards: BoardJson[];
  quotas: QuotaJson[];
}

/** One level of a board's overview pyramid. */
export interface OverviewLevelJson {
  level: number;
  /** Board pixels per tile pixel, per side: 2^level. */
  scale: number;
  /** Size of the whole level's image: ceil(board size / scale). */
  width: number;
  height: number;
  tilesX: number;
  tilesY: number;
}

/** GET /api/boards/:id/overview. */
export interface OverviewJson {
  boardId: string;
  width: number;
  height: number;
  tilePixels: number;
  levels: number;
  /** One entry per level, 0 first. */
  tiles: OverviewLevelJson[];
  /** With {level}, {tx}, {ty} and {v} to fill in. */
  tileUrl: string;
  /** With {level} to fill in. */
  versionsUrl: string;
}

/** GET /api/boards/:id/overview/:level/versions: every tile's `v`, row-major. */
export interface OverviewVersionsJson {
  level: number;
  tilesX: number;
  tilesY: number;
  v: string[];
}

/** Parses HELLO's JSON; a board's index is its position, whatever the JSON says. */
export function parseHello(json: string): HelloJson {
  const raw = JSON.parse(json) as HelloJson;
  return {
    sessionId: raw.sessionId,
    boards: raw.boards.map((board, index) => ({ ...board, index })),
    quotas: raw.quotas ?? [],
  };
}
