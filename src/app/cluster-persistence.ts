// Persistence of a cluster member: the durable storage's, with a join instead of a plain
// restore (the boards up to the database's last seq, then the log from there), readiness
// that follows Redis, the database and catching up, and moderation changes shared with the
// other members (src/cluster/cluster-link.ts).
import type { Board } from '../canvas/board.js';
import type { ClusterLink } from '../cluster/cluster-link.js';
import type { ModerationNotice } from '../cluster/moderation-notices.js';
import type { DurablePersistence, ModerationPeers, Persistence, RestoreReport } from './persistence.js';

export class ClusterPersistence implements Persistence {
  constructor(private readonly durable: DurablePersistence, private readonly cluster: ClusterLink) {}

  get storage() {
    return this.durable.storage;
  }

  get commit() {
    return this.durable.commit;
  }

  get moderation() {
    return this.durable.moderation;
  }

  async restore(boards: readonly Board[]): Promise<RestoreReport> {
    let report: RestoreReport = { snapshotChunks: 0, replayed: 0, ms: 0 };
    await this.cluster.join(boards, async (throughSeq) => {
      report = await this.durable.restore(boards, throughSeq);
      this.durable.commit.lastCommittedSeq = throughSeq;
    });
    return report;
  }

  ready(): boolean {
    return this.cluster.ready();
  }

  appliedSeq(): number {
    return this.durable.commit.lastCommittedSeq;
  }

  shareOnline(local: () => readonly number[]): (local: readonly number[]) => number[] {
    this.cluster.shareOnline(local);
    return (counts) => this.cluster.onlineTotals(counts);
  }

  shareModeration(reload: (notice: ModerationNotice) => void): ModerationPeers {
    this.cluster.followModeration(reload);
    return {
      announce: (notice) => this.cluster.announceModeration(notice),
      bucketsChanged: (boardId, buckets) => this.cluster.setBuckets(boardId, buckets),
      takeShared: (buckets) => this.cluster.takeShared(buckets),
      confirmations: this.cluster.confirmations,
    };
  }

  start(boards: readonly Board[]): void {
    this.durable.start(boards);
  }

  async close(boards: readonly Board[]): Promise<void> {
    await this.durable.commit.drain();
    await this.cluster.close();
    await this.durable.close(boards);
  }
}
