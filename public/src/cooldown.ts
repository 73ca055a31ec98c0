// The placement quota of each board (QUOTA messages, and HELLO's quotas), and the
// countdown to the next token. The server only speaks when asked (after every
// write), so the client counts down by itself and assumes a token when it ends.
import type { QuotaJson } from '../../src/protocol/messages.js';

interface BoardQuota {
  available: number;
  capacity: number;
  /** performance.now() when the next token comes; 0 if none is coming. */
  nextAt: number;
}

export class Cooldowns {
  private readonly quotas = new Map<number, BoardQuota>();
  private timers = new Map<number, number>();
  /** A board's countdown reached zero (notification, sound, status line). */
  onReady: (board: number) => void = () => {};

  update(quota: QuotaJson): void {
    const nextAt = quota.nextInMs > 0 ? performance.now() + quota.nextInMs : 0;
    this.quotas.set(quota.board, { available: quota.available, capacity: quota.capacity, nextAt });
    const previous = this.timers.get(quota.board);
    if (previous !== undefined) clearTimeout(previous);
    this.timers.delete(quota.board);
    if (nextAt > 0) {
      this.timers.set(quota.board, window.setTimeout(() => this.tokenArrived(quota.board), quota.nextInMs));
    }
  }

  /** Milliseconds until the next token, 0 when none is awaited. */
  remainingMs(board: number): number {
    const quota = this.quotas.get(board);
    if (quota === undefined || quota.nextAt === 0) return 0;
    return Math.max(0, quota.nextAt - performance.now());
  }

  /** "Ready", "Ready · 12/20" or "Next pixel in 4.2 s". */
  describe(board: number): string {
    const quota = this.quotas.get(board);
    if (quota === undefined) return '—';
    const remaining = this.remainingMs(board);
    if (quota.available > 0) {
      const count = quota.capacity > 1 ? ` · ${quota.available}/${quota.capacity}` : '';
      return `Ready${count}`;
    }
    return remaining > 0 ? `Wait ${(remaining / 1000).toFixed(1)} s` : 'Ready';
  }

  isWaiting(board: number): boolean {
    const quota = this.quotas.get(board);
    return quota !== undefined && quota.available === 0 && this.remainingMs(board) > 0;
  }

  private tokenArrived(board: number): void {
    this.timers.delete(board);
    const quota = this.quotas.get(board);
    if (quota === undefined) return;
    const wasEmpty = quota.available === 0;
    quota.available = Math.min(quota.capacity, quota.available + 1);
    quota.nextAt = 0;
    if (wasEmpty) this.onReady(board);
  }
}
