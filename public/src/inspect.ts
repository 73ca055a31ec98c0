// The wire inspector page (GET /inspect): listens on /inspect/ws and shows
// each record (src/protocol/inspector-json.ts) as it comes, newest last.
// Every byte is a cell; pointing at a field's row lights up its cells. The
// page keeps the last MAX_RECORDS records, like the server keeps a bounded
// queue for it.
import type { DescribedMessage } from '../../src/protocol/describe.js';
import type { AcceptStepsJson, FrameJson, InspectorRecord, MessageJson } from '../../src/protocol/inspector-json.js';
import { byId } from './dom.js';

const MAX_RECORDS = 500;
const log = byId('log');
const status = byId('status');
const showServer = byId<HTMLInputElement>('show-server');
const showControl = byId<HTMLInputElement>('show-control');

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className !== undefined) node.className = className;
  return node;
}

/** Hex bytes as one cell each; `limit` cells at most, then "… N more". */
function byteCells(hex: string, total: number): HTMLElement {
  const row = element('div', undefined, 'bytes');
  const bytes = hex === '' ? [] : hex.split(' ');
  bytes.forEach((byte, i) => {
    const cell = element('span', byte);
    cell.dataset.index = String(i);
    row.append(cell);
  });
  if (total > bytes.length) row.append(element('span', `… ${total - bytes.length} more bytes`, 'more'));
  return row;
}

/** A table of fields whose rows light up bytes [start, end) of `cells` while pointed at. */
function fieldTable(fields: readonly { name: string; start: number; end: number; bits?: string; value: string; meaning?: string }[], cells: HTMLElement): HTMLTableElement {
  const table = element('table');
  const head = table.createTHead().insertRow();
  for (const title of ['field', 'bytes', 'bits', 'value', 'meaning']) head.append(element('th', title));
  const body = table.createTBody();
  for (const field of fields) {
    const row = body.insertRow();
    row.dataset.field = field.name;
    row.append(
      element('td', field.name),
      element('td', field.end - field.start <= 1 ? String(field.start) : `${field.start}–${field.end - 1}`, 'mono'),
      element('td', field.bits ?? '', 'mono'),
      element('td', field.value, 'mono value'),
      element('td', field.meaning ?? ''),
    );
    const light = (on: boolean) => {
      for (let i = field.start; i < field.end; i++) cells.querySelector(`[data-index="${i}"]`)?.classList.toggle('lit', on);
    };
    row.addEventListener('pointerenter', () => light(true));
    row.addEventListener('pointerleave', () => light(false));
  }
  return table;
}

function summaryOf(frame: FrameJson): string {
  const flags = [frame.fin ? 'FIN' : 'no FIN', frame.rsv1 ? 'RSV1 (compressed)' : '', frame.masked ? 'masked' : ''].filter(Boolean).join(', ');
  let text = `${frame.opcodeName} · ${frame.payloadLength} bytes · ${flags}`;
  const message = frame.message;
  if (message?.tessera !== undefined) text += ` · ${message.tessera.name} ${tesseraSummary(message.tessera)}`;
  else if (message?.text !== undefined) text += ` · "${message.text.slice(0, 60)}"`;
  if (frame.close !== undefined) text += ` · code ${frame.close.code ?? '(none)'} ${frame.close.reason}`;
  return text;
}

function tesseraSummary(message: DescribedMessage): string {
  if (message.fault !== undefined) return `(not understood: ${message.fault})`;
  // The scalar fields (list entries are named "chunk 0: cx, cy" and the like: those stay in the table).
  return message.fields.slice(1).filter((field) => !field.name.includes(':')).slice(0, 5).map((field) => `${field.name}=${field.value}`).join(' ');
}

function frameRecord(record: Extract<InspectorRecord, { kind: 'frame' }>): HTMLElement {
  const { frame } = record;
  const details = element('details', undefined, 'record frame');
  details.dataset.from = record.from;
  details.dataset.opcode = frame.opcodeName;
  details.dataset.connection = String(record.connection);
  const arrow = record.from === 'client' ? '→ client to server' : '← server to client';
  const summary = element('summary');
  summary.append(element('span', `#${record.connection} ${arrow} `, 'arrow'), document.createTextNode(summaryOf(frame)));
  details.append(summary);
  if (frame.problem !== undefined) details.append(element('p', `The server's parser refuses this frame: ${frame.problem}`, 'problem'));

  details.append(element('h3', 'The frame as on the wire'));
  const headerLength = frame.header.split(' ').length;
  const wire = byteCells(`${frame.header}${frame.payload === '' ? '' : ' ' + frame.payload}`, headerLength + frame.payloadLength);
  details.append(wire, fieldTable(frame.fields, wire));
  if (frame.maskKey !== null) {
    const key = element('p', `Masking key: ${frame.maskKey}. Unmasked payload: `);
    key.dataset.maskKey = frame.maskKey;
    details.append(key, byteCells(frame.unmasked ?? '', frame.payloadLength));
  }
  if (frame.message !== undefined) details.append(...messageSection(frame.message, frame));
  return details;
}

function messageSection(message: MessageJson, frame: FrameJson): HTMLElement[] {
  const out: HTMLElement[] = [];
  const inflated = message.compressed ? `, inflated from ${message.wireLength} compressed bytes (the ones above, with 00 00 ff ff put back: RFC 7692 §7.2.2)` : '';
  out.push(element('h3', `The ${message.binary ? 'binary' : 'text'} message: ${message.length < 0 ? '?' : message.length} bytes${inflated}`));
  if (message.problem !== undefined) out.push(element('p', message.problem, 'problem'));
  if (message.hex === null) return out;
  const cells = byteCells(message.hex, message.length);
  out.push(cells);
  if (message.text !== undefined) out.push(element('pre', message.text));
  const tessera = message.tessera;
  if (tessera !== undefined) {
    const title = element('h3', `Tessera ${tessera.name} (docs/PROTOCOL.md)`);
    title.dataset.tessera = tessera.name;
    out.push(title);
    if (tessera.fault !== undefined) out.push(element('p', `Not a message the ${frame.masked ? 'server' : 'client'} understands: ${tessera.fault}`, 'problem'));
    const table = fieldTable(tessera.fields, cells);
    table.classList.add('tessera');
    out.push(table);
  }
  return out;
}

function acceptSteps(steps: AcceptStepsJson): HTMLElement {
  const list = element('ol');
  list.append(
    element('li', `The client's Sec-WebSocket-Key: ${steps.key} (16 random bytes, base64)`),
    element('li', `Append the GUID of RFC 6455 §1.3: ${steps.concatenated}`),
    element('li', `SHA-1 of that: ${steps.sha1}`),
    element('li', `Base64 of the 20 bytes: ${steps.accept}, the Sec-WebSocket-Accept the server sends back`),
  );
  return list;
}

function openRecord(record: Extract<InspectorRecord, { kind: 'open' }>): HTMLElement {
  const details = element('details', undefined, 'record open');
  details.dataset.connection = String(record.connection);
  details.open = record.handshake !== null;
  const what = record.handshake === null ? 'already open when the inspector attached (its handshake was before)' : 'opened';
  details.append(element('summary', `#${record.connection} connection ${what}${record.compression === null ? '' : ' · permessage-deflate'}`));
  const handshake = record.handshake;
  if (handshake !== null) {
    details.append(
      element('h3', 'The HTTP upgrade request (RFC 6455 §4.1; cookie values hidden)'), element('pre', handshake.request),
      element('h3', 'The 101 response (§4.2.2)'), element('pre', handshake.response),
    );
    if (handshake.accept !== null) details.append(element('h3', 'Sec-WebSocket-Accept, step by step'), acceptSteps(handshake.accept));
  }
  return details;
}

function render(record: InspectorRecord): HTMLElement {
  switch (record.kind) {
    case 'attached':
      return element('p', `Attached. Up to ${record.maxConnections} connections of yours are shown, ${record.shownBytes} bytes of each payload, messages up to ${record.maxMessageBytes} bytes decoded.`);
    case 'open':
      return openRecord(record);
    case 'frame':
      return frameRecord(record);
    case 'closed':
      return element('p', `#${record.connection} closed: ${record.code} ${record.reason}`);
    case 'not-shown':
      return element('p', `Not shown: ${record.reason}`, 'problem');
    case 'dropped':
      return element('p', `${record.count} records dropped: this page read more slowly than the connection talked.`, 'problem');
  }
}

function applyFilters(node: HTMLElement): void {
  const control = ['ping', 'pong', 'close'].includes(node.dataset.opcode ?? '');
  node.hidden = (node.dataset.from === 'server' && !showServer.checked) || (control && !showControl.checked);
}

function connect(): void {
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/inspect/ws`);
  socket.onopen = () => {
    status.dataset.state = 'open';
    status.textContent = 'Attached: your connections appear below as they talk.';
  };
  socket.onmessage = (event) => {
    const node = render(JSON.parse(event.data as string) as InspectorRecord);
    applyFilters(node);
    log.append(node);
    while (log.childElementCount > MAX_RECORDS) log.firstElementChild!.remove();
  };
  socket.onclose = (event) => {
    status.dataset.state = 'closed';
    status.textContent = `Detached (${event.code}${event.reason ? `: ${event.reason}` : ''}). Reload to attach again.`;
  };
}

for (const box of [showServer, showControl]) {
  box.addEventListener('change', () => log.querySelectorAll<HTMLElement>('.record').forEach(applyFilters));
}
byId('clear').addEventListener('click', () => log.replaceChildren());
connect();
