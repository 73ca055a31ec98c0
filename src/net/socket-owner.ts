// A socket is owned by one protocol object at a time: an HttpConnection,
// then, after an upgrade, a WebSocketConnection. Listeners are shared
// functions that look the owner up, so switching protocols is one assignment
// and no connection allocates closures for its listeners.
import type { Socket } from 'node:net';
import type { Sweepable, Sweeper } from './sweeper.js';

export interface SocketOwner extends Sweepable {
  onData(chunk: Buffer): void;
  onDrain(): void;
  onClose(): void;
}

const OWNER = Symbol('tessera.owner');
type OwnedSocket = Socket & { [OWNER]?: SocketOwner };

export function setOwner(socket: Socket, owner: SocketOwner, sweeper: Sweeper): void {
  const owned = socket as OwnedSocket;
  const previous = owned[OWNER];
  if (previous) sweeper.items.delete(previous);
  owned[OWNER] = owner;
  sweeper.items.add(owner);
}

export function releaseOwner(socket: Socket, sweeper: Sweeper): SocketOwner | undefined {
  const owned = socket as OwnedSocket;
  const owner = owned[OWNER];
  if (owner) sweeper.items.delete(owner);
  return owner;
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

export function listen(socket: Socket, onClose: (this: Socket) => void): void {
  socket.on('data', onData);
  socket.on('drain', onDrain);
  socket.on('close', onClose);
}
