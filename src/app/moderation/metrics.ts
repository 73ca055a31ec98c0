// Prometheus metrics of moderation (GET /metrics; docs/MODERATION.md lists them).
import type { BanIndex } from '../../moderation/ban-index.js';
import type { LockIndex } from '../../moderation/lock-index.js';
import type { Counter, Gauge, Registry } from '../../telemetry/metrics.js';

export interface ModerationMetrics {
  logins: Counter;
  actions: Counter;
  openReports: Gauge;
}

export function createModerationMetrics(registry: Registry, state: { bans: BanIndex; locks: LockIndex; clock: { now(): number } }): ModerationMetrics {
  registry.gauge('tessera_bans_active', 'Bans in force', [], () => state.bans.list().filter((ban) => ban.expiresMs === null || ban.expiresMs > state.clock.now()).length);
  registry.gauge('tessera_locks_active', 'Region locks on all boards', [], () => state.locks.count);
  return {
    logins: registry.counter('tessera_logins_total', 'Login attempts by result (ok, failed, limited)', ['result']),
    actions: registry.counter('tessera_admin_actions_total', 'Audited moderator and admin actions by type', ['action']),
    openReports: registry.gauge('tessera_reports_open', 'Reports waiting for a moderator'),
  };
}
