// Shapes of what the server tells the client in HELLO (docs/PROTOCOL.md, "HELLO's JSON").

export interface BucketInfo {
  key: string;
  capacity: number;
  refillPerSecond: number;
  unit: 'pixel' | 'write';
}

export interface BoardPolicy {
  strokes: boolean;
  maxBatch: number;
  tileWrites: boolean;
  buckets: BucketInfo[];
}

export interface BoardInfo {
  id: string;
  /** The board's `b` on the wire: its position in HELLO's list. */
  index: number;
  title: string;
  width: number;
  height: number;
  chunkSize: number;
  palette: string[];
  background: number;
  tileSize: number | null;
  policy: BoardPolicy;
}

export interface QuotaInfo {
  board: number;
  available: number;
  capacity: number;
  nextInMs: number;
}

export interface HelloInfo {
  sessionId: string;
  boards: BoardInfo[];
  quotas: QuotaInfo[];
}

/** Parses HELLO's JSON; the board's index is its position, whatever the JSON says. */
export function parseHello(json: string): HelloInfo {
  const raw = JSON.parse(json) as HelloInfo;
  return {
    sessionId: raw.sessionId,
    boards: raw.boards.map((board, index) => ({ ...board, index })),
    quotas: raw.quotas ?? [],
  };
}
