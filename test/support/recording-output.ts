// A WebSocket protocol's output for tests: what it asks of its socket, as text.
import type { ProtocolOutput } from '../../src/websocket/protocol.js';

/** Records what the protocol asks of its socket: each frame as hex, then 'end' / 'drop'. */
export class RecordingOutput implements ProtocolOutput {
  readonly log: string[] = [];
  writeFrame(header: Uint8Array, payload: Uint8Array | null): void {
    this.log.push(Buffer.concat(payload === null ? [header] : [header, payload]).toString('hex'));
  }
  endTcp(): void {
    this.log.push('end');
  }
  dropTcp(): void {
    this.log.push('drop');
  }
  /** What was recorded since the last call. */
  take(): string[] {
    return this.log.splice(0);
  }
}
