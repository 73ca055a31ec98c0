// Reference ceiling: a bare node:net WebSocket echo with no validation at all. It finds
// the key in the upgrade request, answers 101, then unmasks and echoes every frame
// (one write per socket read). Not a real server: it only shows the cost of node:net.
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { FrameReader, OP_CLOSE, OP_PING, OP_PONG, writeHeader } from './frames.js';
import { announce, listenArgs } from './server-args.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function serve(socket: Socket): void {
  socket.setNoDelay(true);
  let upgraded = false;
  let head = '';
  let out = Buffer.alloc(0);
  let outLen = 0;
  let closing = false;
  const reader = new FrameReader((buf, frameStart, payloadStart, frameEnd) => {
    let opcode = buf[frameStart]! & 0x0f;
    if (opcode === OP_PING) opcode = OP_PONG;
    const length = frameEnd - payloadStart;
    outLen += writeHeader(out, outLen, opcode, length, false);
    const maskAt = payloadStart - 4;
    for (let i = 0; i < length; i++) out[outLen + i] = buf[payloadStart + i]! ^ buf[maskAt + (i & 3)]!;
    outLen += length;
    if (opcode === OP_CLOSE) closing = true;
  });

  const onFrames = (chunk: Buffer) => {
    // Unmasked echoes are never longer than the masked frames they answer.
    out = Buffer.allocUnsafe(reader.buffered + chunk.length);
    outLen = 0;
    reader.push(chunk);
    if (outLen > 0) socket.write(out.subarray(0, outLen));
    if (closing) socket.end();
  };

  socket.on('data', (chunk: Buffer) => {
    if (upgraded) return onFrames(chunk);
    head += chunk.toString('latin1');
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    const key = /\r\nsec-websocket-key:[ \t]*(\S+)/i.exec(head)?.[1];
    if (!key) return void socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    const rest = chunk.subarray(chunk.length - (head.length - end - 4));
    head = '';
    upgraded = true;
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    if (rest.length > 0) onFrames(rest);
  });
  socket.on('error', () => socket.destroy());
}

const { port, host } = listenArgs();
const server = createServer(serve);
server.listen(port, host, () => announce(host, (server.address() as AddressInfo).port));
