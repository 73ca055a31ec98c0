// One canvas connection as an inspector sees it: the WireTap that takes its
// two byte streams apart (FrameDissector, one per direction) and hands each
// frame, annotated, to the inspector as a JSON record. With Tessera's own
// messages decoded field by field on top (describeMessage).
import type { Clock } from '../../clock.js';
import { describeMessage } from '../../protocol/describe.js';
import type { FrameJson, InspectorRecord, MessageJson } from '../../protocol/inspector-json.js';
import type { DeflateAgreement } from '../../websocket/deflate-negotiation.js';
import { FrameDissector, hex, type DissectedFrame, type DissectedMessage } from '../../websocket/frame-dissector.js';
import type { WireTap } from '../../websocket/wire-tap.js';

export interface InspectionLimits {
  /** Payload bytes shown per frame and per message. */
  shownBytes: number;
  /** A message is kept whole to inflate and decode up to this many bytes. */
  maxMessageBytes: number;
}

export class InspectedConnection implements WireTap {
  private readonly fromClient: FrameDissector;
  private readonly fromServer: FrameDissector;
  private failed = false;

  constructor(
    readonly id: number,
    compression: DeflateAgreement | null,
    private readonly limits: InspectionLimits,
    private readonly clock: Clock,
    private readonly publish: (record: InspectorRecord) => void,
    private readonly onClosed: (connection: InspectedConnection) => void,
  ) {
    const options = { deflate: compression, shownBytes: limits.shownBytes, maxMessageBytes: limits.maxMessageBytes };
    this.fromClient = new FrameDissector({ ...options, fromClient: true });
    this.fromServer = new FrameDissector({ ...options, fromClient: false });
  }

  received(bytes: Uint8Array): void {
    this.look(this.fromClient, 'client', bytes);
  }

  sent(bytes: Uint8Array): void {
    this.look(this.fromServer, 'server', bytes);
  }

  // Runs inside the connection's reads and writes: whatever goes wrong here stays here.
  private look(dissector: FrameDissector, from: 'client' | 'server', bytes: Uint8Array): void {
    if (this.failed) return;
    try {
      for (const frame of dissector.push(bytes)) this.publishFrame(from, frame);
    } catch (error) {
      this.failed = true;
      this.publish({ kind: 'not-shown', reason: `connection ${this.id}: the inspector failed (${String(error)}) and stopped showing it` });
    }
  }

  closed(code: number, reason: string): void {
    this.publish({ kind: 'closed', connection: this.id, at: this.clock.now(), code, reason });
    this.onClosed(this);
  }

  private publishFrame(from: 'client' | 'server', frame: DissectedFrame): void {
    this.publish({ kind: 'frame', connection: this.id, at: this.clock.now(), from, frame: this.frameJson(frame, from === 'client') });
  }

  private frameJson(frame: DissectedFrame, fromClient: boolean): FrameJson {
    const json: FrameJson = {
      opcodeName: frame.opcodeName,
      fin: frame.fin,
      rsv1: frame.rsv1,
      masked: frame.masked,
      lengthBits: frame.lengthBits,
      payloadLength: frame.payloadLength,
      header: hex(frame.header),
      maskKey: frame.maskKey === null ? null : hex(frame.maskKey),
      payload: hex(frame.payload),
      unmasked: frame.unmasked === null ? null : hex(frame.unmasked),
      truncated: frame.payload.length < frame.payloadLength,
      fields: frame.fields,
    };
    if (frame.close !== undefined) json.close = frame.close;
    if (frame.problem !== undefined) json.problem = frame.problem;
    if (frame.message !== undefined) json.message = this.messageJson(frame.message, fromClient);
    return json;
  }

  private messageJson(message: DissectedMessage, fromClient: boolean): MessageJson {
    const { data } = message;
    const shown = data === null ? null : data.subarray(0, this.limits.shownBytes);
    const json: MessageJson = {
      binary: message.binary,
      compressed: message.compressed,
      wireLength: message.wireLength,
      length: message.length,
      hex: shown === null ? null : hex(shown),
      shownLength: shown?.length ?? 0,
    };
    if (message.problem !== undefined) json.problem = message.problem;
    if (data !== null && !message.binary) json.text = Buffer.from(shown!).toString('utf8');
    if (data !== null && message.binary) json.tessera = describeMessage(data, fromClient);
    return json;
  }
}
