// Reads the timelapse stream (docs/API.md, "GET /api/boards/:id/timelapse") as it arrives:
// pieces of any size go in, the header and whole records come out; a record cut between two
// pieces waits for the next one. Sans-I/O and without Node imports: the browser client's
// timelapse player and overlays use it, and so can tools.

export const TIMELAPSE_MAGIC_BYTES = [0x54, 0x4c, 0x50, 0x53]; // "TLPS"
const SUPPORTED_VERSION = 1;
/** The header before the palette: magic, version, width, height, chunkSize, tileSize, paletteSize. */
const FIXED_HEADER = 15;

export interface TimelapseStreamHeader {
  width: number;
  height: number;
  chunkSize: number;
  tileSize: number;
  /** r, g, b per colour. */
  palette: Uint8Array;
  startMs: number;
}

export interface TimelapseSink {
  header(header: TimelapseStreamHeader): void;
  pixel(timeMs: number, x: number, y: number, color: number): void;
  /** `colors` is only valid during the call (it may be a view of the reader's buffer). */
  tile(timeMs: number, tx: number, ty: number, colors: Uint8Array): void;
}

export class TimelapseFormatError extends Error {}

export class TimelapseReader {
  private buffer = new Uint8Array(0);
  private header: TimelapseStreamHeader | null = null;
  private timeMs = 0;

  constructor(private readonly sink: TimelapseSink) {}

  /** Feeds the next piece of the stream; throws TimelapseFormatError on a stream that is not one. */
  push(piece: Uint8Array): void {
    const data = this.buffer.length === 0 ? piece : concat(this.buffer, piece);
    let at = this.header === null ? this.readHeader(data) : 0;
    if (this.header !== null) at = this.readRecords(data, at);
    this.buffer = at >= data.length ? new Uint8Array(0) : data.slice(at);
  }

  /** At the end of the stream: true if it ended between records (an incomplete body does not). */
  get complete(): boolean {
    return this.header !== null && this.buffer.length === 0;
  }

  private readHeader(data: Uint8Array): number {
    if (data.length < FIXED_HEADER) return 0;
    for (let i = 0; i < 4; i++) if (data[i] !== TIMELAPSE_MAGIC_BYTES[i]) throw new TimelapseFormatError('not a timelapse stream');
    if (data[4] !== SUPPORTED_VERSION) throw new TimelapseFormatError(`timelapse version ${data[4]} is not ${SUPPORTED_VERSION}`);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const paletteSize = view.getUint16(13);
    const end = FIXED_HEADER + paletteSize * 3 + 8;
    if (data.length < end) return 0;
    this.header = {
      width: view.getUint16(5),
      height: view.getUint16(7),
      chunkSize: view.getUint16(9),
      tileSize: view.getUint16(11),
      palette: data.slice(FIXED_HEADER, FIXED_HEADER + paletteSize * 3),
      startMs: view.getFloat64(FIXED_HEADER + paletteSize * 3),
    };
    this.timeMs = this.header.startMs;
    this.sink.header(this.header);
    return end;
  }

  private readRecords(data: Uint8Array, from: number): number {
    const tileBytes = this.header!.tileSize * this.header!.tileSize;
    let at = from;
    for (;;) {
      // The varint, then the record's body: both whole, or wait for more.
      let value = 0;
      let scale = 1;
      let p = at;
      let done = false;
      while (p < data.length) {
        const byte = data[p++]!;
        value += (byte & 0x7f) * scale;
        scale *= 0x80;
        if (byte < 0x80) {
          done = true;
          break;
        }
        if (p - at > 8) throw new TimelapseFormatError('a record time longer than 8 bytes');
      }
      if (!done) return at;
      const tile = value % 2 === 1;
      const bodyBytes = tile ? 4 + tileBytes : 5;
      if (data.length - p < bodyBytes) return at;
      this.timeMs += Math.floor(value / 2);
      const a = (data[p]! << 8) | data[p + 1]!;
      const b = (data[p + 2]! << 8) | data[p + 3]!;
      if (tile) this.sink.tile(this.timeMs, a, b, data.subarray(p + 4, p + 4 + tileBytes));
      else this.sink.pixel(this.timeMs, a, b, data[p + 4]!);
      at = p + bodyBytes;
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
