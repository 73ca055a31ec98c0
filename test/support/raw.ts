// Raw TCP helpers: send exact bytes, read exactly what the server answered.
import { connect, type Socket } from 'node:net';

export function openSocket(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ...(localAddress ? { localAddress } : {}) });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Everything the server sends until it closes the connection. */
export function readUntilClose(socket: Socket): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Sends `bytes` on a new connection and returns all the server sent before closing. */
export async function exchange(port: number, bytes: string | Buffer): Promise<string> {
  const socket = await openSocket(port);
  const done = readUntilClose(socket);
  socket.write(bytes);
  return (await done).toString('latin1');
}

export interface ParsedResponse {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

/** Parses HTTP responses out of a byte string; bodies framed by Content-Length. */
export function parseResponses(raw: Buffer | string, headRequests = 0): ParsedResponse[] {
  const data = typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw;
  const responses: ParsedResponse[] = [];
  let offset = 0;
  while (offset < data.length) {
    const end = data.indexOf('\r\n\r\n', offset);
    if (end === -1) throw new Error(`incomplete response head: ${data.subarray(offset).toString('latin1')}`);
    const lines = data.toString('latin1', offset, end).split('\r\n');
    const status = Number(lines[0]!.split(' ')[1]);
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    const isHead = responses.length < headRequests;
    const length = isHead || status === 304 || status === 101 ? 0 : Number(headers.get('content-length') ?? 0);
    responses.push({ status, headers, body: data.subarray(end + 4, end + 4 + length) });
    offset = end + 4 + length;
    if (status === 101) break;
  }
  return responses;
}

/** Reads from `socket` until `count` complete responses have arrived. */
export function readResponses(socket: Socket, count: number): Promise<ParsedResponse[]> {
  return new Promise((resolve, reject) => {
    let data = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      let parsed: ParsedResponse[];
      try {
        parsed = parseResponses(data);
      } catch {
        return; // head still incomplete
      }
      const last = parsed[parsed.length - 1];
      const complete = last !== undefined && last.body.length === Number(last.headers.get('content-length') ?? 0);
      if (parsed.length >= count && complete) {
        socket.off('data', onData);
        resolve(parsed);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed after ${data.length} bytes: ${data.toString('latin1')}`)));
  });
}
