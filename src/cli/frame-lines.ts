// A dissected frame as lines for a terminal, field by field as the wire
// inspector shows it: the bytes of each field, its bits, its value and what
// it means; then the payload, unmasked and inflated, and (--tessera) the
// Tessera message inside.
import { describeMessage } from '../protocol/describe.js';
import { hex, type DissectedFrame } from '../websocket/frame-dissector.js';

const SHOWN_PAYLOAD = 32; // payload bytes printed per line

export function frameLines(frame: DissectedFrame, fromClient: boolean, tessera: boolean): string[] {
  const arrow = fromClient ? '>' : '<';
  const who = fromClient ? 'client → server' : 'server → client';
  const flags = [frame.fin ? 'FIN' : 'not FIN', frame.rsv1 ? 'RSV1 (compressed)' : '', frame.masked ? 'masked' : 'unmasked'].filter(Boolean).join(', ');
  const lines = [`${arrow} ${frame.opcodeName} frame, ${who}: ${frame.payloadLength} bytes of payload, ${flags}`, `    header ${hex(frame.header)}`];
  const bytesOf = (start: number, end: number) => hex(frame.header.subarray(start, Math.min(end, frame.header.length)));
  for (const field of frame.fields) {
    if (field.name === 'payload') continue;
    const bytes = (field.bits ?? bytesOf(field.start, field.end)).padEnd(24);
    lines.push(`    ${bytes} ${`${field.name} = ${field.value}`.padEnd(36)} ${field.meaning}`);
  }
  if (frame.payloadLength > 0) {
    const cut = frame.payloadLength > SHOWN_PAYLOAD ? ` … (${frame.payloadLength} bytes)` : '';
    lines.push(`    payload ${frame.masked ? '(masked)  ' : ''}${hex(frame.payload.subarray(0, SHOWN_PAYLOAD))}${cut}`);
    if (frame.unmasked !== null) lines.push(`    payload (unmasked) ${hex(frame.unmasked.subarray(0, SHOWN_PAYLOAD))}${cut}`);
  }
  if (frame.close !== undefined) lines.push(`    close code ${frame.close.code ?? '(none)'}${frame.close.reason === '' ? '' : `, reason "${frame.close.reason}"`}`);
  if (frame.problem !== undefined) lines.push(`    !! ${frame.problem}`);
  const message = frame.message;
  if (message === undefined) return lines;
  if (message.problem !== undefined) lines.push(`    message: ${message.problem}`);
  const data = message.data;
  if (data === null) return lines;
  if (message.compressed) lines.push(`    inflated (RFC 7692 §7.2.2): ${message.wireLength} → ${data.length} bytes: ${hex(data.subarray(0, SHOWN_PAYLOAD))}${data.length > SHOWN_PAYLOAD ? ' …' : ''}`);
  if (!message.binary) lines.push(`    text: ${JSON.stringify(Buffer.from(data).toString('utf8').slice(0, 500))}`);
  else if (tessera) {
    const described = describeMessage(data, fromClient);
    if (described.fault !== undefined) lines.push(`    Tessera ${described.name}: not understood (${described.fault})`);
    else {
      lines.push(`    Tessera ${described.name}`);
      for (const field of described.fields.slice(1)) lines.push(`      ${`[${field.start}, ${field.end})`.padEnd(12)} ${field.name} = ${field.value}`);
    }
  }
  return lines;
}
