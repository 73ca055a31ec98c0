// What connected clients are told of moderation, as it happens: a banned client is told and
// closed (1008), lock, board-state and policy changes go to everyone, and a newcomer learns the current
// ones right after HELLO (docs/PROTOCOL.md, "Moderation").
import type { Board } from '../../canvas/board.js';
import type { Clock } from '../../clock.js';
import type { BanIndex } from '../../moderation/ban-index.js';
import type { BoardStates, LockIndex } from '../../moderation/lock-index.js';
import { encodeBanned, encodeBoardState, encodeLocks, encodePolicy } from '../../protocol/messages.js';
import type { BoardPolicyJson } from '../../protocol/json.js';
import type { HttpRequest } from '../../net/router.js';
import type { BanRecord } from '../../storage/moderation.js';
import { prepareFrame } from '../../websocket/frame-encoder.js';
import { CloseCode } from '../../websocket/opcodes.js';
import { Opcode } from '../../websocket/opcodes.js';
import type { CanvasWriter, ConnectionGate } from '../canvas-endpoint.js';
import type { Accounts } from './accounts.js';

export class LiveModeration implements ConnectionGate {
  private readonly clients = new Set<CanvasWriter>();

  constructor(
    private readonly boards: readonly Board[],
    private readonly accounts: Accounts,
    private readonly bans: BanIndex,
    private readonly locks: LockIndex,
    private readonly states: BoardStates,
    private readonly clock: Clock,
  ) {}

  accountOf(request: HttpRequest): { actor: string; role: string; guestActor: string | null } | undefined {
    const account = this.accounts.resolve(request.head.headers.get('cookie'), this.clock.now());
    return account === null ? undefined : { actor: account.actor, role: account.user.role, guestActor: account.user.guestActor };
  }

  admit(client: CanvasWriter): boolean {
    const ban = this.bans.find(client, this.clock.now());
    if (ban !== null) {
      turnAway(client, ban);
      return false;
    }
    this.clients.add(client);
    return true;
  }

  greet(client: CanvasWriter): void {
    for (const board of this.boards) {
      if (this.locks.of(board.index).length > 0) client.connection.sendPrepared(this.locksFrame(board));
      const state = this.states.of(board.index);
      if (!state.open || state.opensAtMs !== null || state.closesAtMs !== null) client.connection.sendPrepared(this.stateFrame(board));
    }
  }

  leave(client: CanvasWriter): void {
    this.clients.delete(client);
  }

  get connected(): number {
    return this.clients.size;
  }

  /** Tells every connected client a ban now covers, and closes it (1008). */
  enforceBans(): number {
    const now = this.clock.now();
    let closed = 0;
    for (const client of this.clients) {
      const ban = this.bans.find(client, now);
      if (ban === null) continue;
      this.clients.delete(client);
      turnAway(client, ban);
      closed++;
    }
    return closed;
  }

  locksChanged(board: Board): void {
    this.sendToAll(this.locksFrame(board));
  }

  stateChanged(board: Board): void {
    this.sendToAll(this.stateFrame(board));
  }

  /** The board's write policy changed (its rate buckets): everyone gets POLICY. */
  policyChanged(board: Board, policy: BoardPolicyJson): void {
    this.sendToAll(prepareFrame(Opcode.Binary, encodePolicy(board.index, JSON.stringify(policy))));
  }

  private sendToAll(frame: Buffer): void {
    for (const client of this.clients) client.connection.sendPrepared(frame);
  }

  private locksFrame(board: Board): Buffer {
    return prepareFrame(Opcode.Binary, encodeLocks(board.index, this.locks.of(board.index)));
  }

  private stateFrame(board: Board): Buffer {
    const state = this.states.of(board.index);
    return prepareFrame(Opcode.Binary, encodeBoardState(board.index, state.open, state.opensAtMs ?? 0, state.closesAtMs ?? 0));
  }
}

function turnAway(client: CanvasWriter, ban: BanRecord): void {
  client.connection.send(encodeBanned(ban.expiresMs ?? 0, ban.reason));
  client.connection.close(CloseCode.PolicyViolation, 'banned');
}
