// A socket is owned by one protocol object at a time: an HttpConnection,
// then, after an upgrade, whatever the upgrade handler made (a
// WebSocketConnection). The server talks to owners only through this
// interface, so it knows no protocol above HTTP. Listeners are shared
// functions that look the owner up, so switching protocols is one assignment
// and no connection allocates closures for its listeners.
import type { Socket } from 'node:net';

export interface SocketOwner {
  onData(chunk: Buffer): void;
  onDrain(): void;
  /**
   * The peer sent FIN: it will send nothing more but may still read. Only an
   * owner of a half-open socket hears this (HTTP, so a request followed by
   * FIN is still answered); other sockets end themselves when the peer does.
   */
  onEnd?(): void;
  /** The socket closed (called once). */
  onClose(): void;
  /** Enforces deadlines; called every sweep with the server clock's time. */
  sweep(now: number): void;
  /** The server is stopping: finish what is in flight, then close. */
  shutdown(): void;
}

const OWNER = Symbol('tessera.owner');
type OwnedSocket = Socket & { [OWNER]?: SocketOwner };

export function setOwner(socket: Socket, owner: SocketOwner): void {
  (socket as OwnedSocket)[OWNER] = owner;
}

export function ownerOf(socket: Socket): SocketOwner | undefined {
  return (socket as OwnedSocket)[OWNER];
}

function onData(this: Socket, chunk: Buffer): void {
  ownerOf(this)?.onData(chunk);
}
function onDrain(this: Socket): void {
  ownerOf(this)?.onDrain();
}
function onEnd(this: Socket): void {
  ownerOf(this)?.onEnd?.();
}

export function listen(socket: Socket, onClose: (this: Socket) => void): void {
  socket.on('data', onData);
  socket.on('drain', onDrain);
  socket.on('end', onEnd);
  socket.on('close', onClose);
}
