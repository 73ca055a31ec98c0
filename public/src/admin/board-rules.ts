// What every visitor sees of moderation (PROTOCOL.md "Moderation"): the locked regions drawn
// over the board, a banner when the board is frozen or outside its event window (with a
// countdown on the server's clock, from PONG), and a ban. Fed the server's LOCKS,
// BOARD_STATE, BANNED, PONG and HELLO; the board shown is asked of the host.
import type { ServerMessage } from '../../../src/protocol/messages.js';
import type { BoardLayer } from '../renderer.js';
import type { Viewport } from '../viewport.js';
import type { Rect } from './api.js';

export interface BoardState {
  open: boolean;
  opensAt: number;
  closesAt: number;
}

const DEFAULT_STATE: BoardState = { open: true, opensAt: 0, closesAt: 0 };

export class BoardRules implements BoardLayer {
  /** Region locks and state per board index, as the server last said. */
  readonly locks = new Map<number, Rect[]>();
  readonly states = new Map<number, BoardState>();
  banned: { expiresAt: number; reason: string } | null = null;
  /** serverTime − Date.now(), from the last PONG. */
  clockOffsetMs = 0;
  /** The banner's text as last rendered (tests read it). */
  text = '';
  onChange: () => void = () => {};

  constructor(
    private readonly banner: HTMLElement,
    private readonly boardIndex: () => number | null,
  ) {
    window.setInterval(() => this.render(), 250);
  }

  now(): number {
    return Math.round(Date.now() + this.clockOffsetMs); // the API takes whole ms
  }

  /** Handles the messages it cares about; ignores the rest. */
  onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'hello':
        // A new connection: the server sends LOCKS and BOARD_STATE again for what is not default.
        this.locks.clear();
        this.states.clear();
        this.banned = null;
        break;
      case 'locks':
        this.locks.set(message.board, message.locks);
        break;
      case 'board-state':
        this.states.set(message.board, { open: message.open, opensAt: message.opensAt, closesAt: message.closesAt });
        break;
      case 'banned':
        this.banned = { expiresAt: message.expiresAt, reason: message.reason };
        break;
      case 'pong':
        this.clockOffsetMs = message.serverTime - Date.now();
        return;
      default:
        return;
    }
    this.render();
    this.onChange();
  }

  state(board: number): BoardState {
    return this.states.get(board) ?? DEFAULT_STATE;
  }

  /** Why the shown board takes no writes now, with a countdown; '' when it does. */
  describe(): string {
    if (this.banned !== null) {
      const until = this.banned.expiresAt === 0 ? '' : ` until ${new Date(this.banned.expiresAt).toLocaleString()}`;
      return `You are banned${until}${this.banned.reason ? `: ${this.banned.reason}` : ''}`;
    }
    const board = this.boardIndex();
    if (board === null) return '';
    const { open, opensAt, closesAt } = this.state(board);
    if (!open) return 'Frozen: this board is read-only for now';
    const now = this.now();
    if (opensAt !== 0 && now < opensAt) return `Opens in ${countdown(opensAt - now)}`;
    if (closesAt !== 0 && now >= closesAt) return 'Closed: the event is over';
    if (closesAt !== 0) return `Closes in ${countdown(closesAt - now)}`;
    return '';
  }

  render(): void {
    const text = this.describe();
    if (text === this.text) return;
    this.text = text;
    this.banner.textContent = text;
    this.banner.hidden = text === '';
    this.banner.dataset.kind = this.banned !== null ? 'banned' : text.startsWith('Closes') ? 'window' : 'blocked';
  }

  draw(ctx: CanvasRenderingContext2D, viewport: Viewport): void {
    const board = this.boardIndex();
    const locks = board === null ? undefined : this.locks.get(board);
    if (!locks || locks.length === 0) return;
    ctx.save();
    ctx.fillStyle = 'rgba(20, 20, 40, 0.35)';
    ctx.strokeStyle = 'rgba(255, 200, 0, 0.9)';
    ctx.lineWidth = 2 / viewport.zoom;
    ctx.setLineDash([6 / viewport.zoom, 4 / viewport.zoom]);
    for (const r of locks) {
      ctx.fillRect(r.x, r.y, r.width, r.height);
      ctx.strokeRect(r.x, r.y, r.width, r.height);
    }
    ctx.restore();
  }
}

/** 3725000 ms → "1:02:05"; 65000 → "1:05". */
export function countdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}
