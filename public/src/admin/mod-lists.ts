// The moderators' lists: bans in force (lift), the report queue (jump to the spot, resolve,
// dismiss) and, for admins, the audit log. Each loads when shown and on "Refresh".
import { api, BAN_LENGTHS, failure, formatTime, h, type AuditEntry, type Ban, type Rect, type Report } from './api.js';

export interface ListsHost {
  boardId(): string | null;
  /** Now on the server's clock (ms). */
  now(): number;
  /** Shows the board (by id) and moves the view to the area, outlined. */
  goTo(board: string, area: Rect): void;
  toast(text: string, kind: 'info' | 'error' | 'success'): void;
}

export class ModeratorLists {
  readonly bansElement: HTMLElement;
  readonly reportsElement: HTMLElement;
  readonly auditElement: HTMLElement;
  private readonly bans: HTMLElement;
  private readonly reports: HTMLElement;
  private readonly audit: HTMLElement;
  private auditNext: number | null = null;
  private readonly auditMore: HTMLButtonElement;

  constructor(private readonly host: ListsHost) {
    this.bans = h('ul', { id: 'ban-list', class: 'admin-list' });
    this.reports = h('ul', { id: 'report-list', class: 'admin-list' });
    this.audit = h('ul', { id: 'audit-list', class: 'admin-list' });
    this.auditMore = h('button', { type: 'button', id: 'audit-more', hidden: true, onclick: () => void this.loadAudit(true) }, 'Older');
    const refresh = (id: string, load: () => Promise<void>) => h('button', { type: 'button', id, onclick: () => void load() }, 'Refresh');
    this.bansElement = h('section', { id: 'bans', class: 'admin-section', 'aria-labelledby': 'bans-heading' },
      h('h2', { id: 'bans-heading' }, 'Bans'), this.banForm(), refresh('bans-refresh', () => this.loadBans()), this.bans);
    this.reportsElement = h('section', { id: 'reports', class: 'admin-section', 'aria-labelledby': 'reports-heading' },
      h('h2', { id: 'reports-heading' }, 'Reports'), refresh('reports-refresh', () => this.loadReports()), this.reports);
    this.auditElement = h('section', { id: 'audit', class: 'admin-section', 'aria-labelledby': 'audit-heading' },
      h('h2', { id: 'audit-heading' }, 'Audit log'), refresh('audit-refresh', () => this.loadAudit(false)), this.audit, this.auditMore);
  }

  /** A ban by name: an account, a session as the history shows it, an address or CIDR range. */
  private banForm(): HTMLFormElement {
    const kind = h('select', { id: 'ban-kind' }, h('option', { value: 'user' }, 'Account'), h('option', { value: 'session' }, 'Session'), h('option', { value: 'ip' }, 'IP or range'));
    const target = h('input', { id: 'ban-target', required: true, maxlength: 200, placeholder: 'name, guest:…, 203.0.113.0/24' });
    const reason = h('input', { id: 'ban-reason', maxlength: 500 });
    const length = h('select', { id: 'ban-length' }, ...BAN_LENGTHS.map(([label], i) => h('option', { value: i }, label)));
    const form = h('form', { id: 'ban-form', class: 'admin-stack' },
      h('label', {}, 'Ban ', kind), h('label', {}, 'Who ', target), h('label', {}, 'Reason ', reason), h('label', {}, 'For ', length),
      h('button', { type: 'submit', id: 'ban-submit' }, 'Ban'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const ms = BAN_LENGTHS[Number(length.value)]?.[1] ?? null;
      try {
        const body = { kind: kind.value, target: target.value.trim(), reason: reason.value.trim(), ...(ms === null ? {} : { expiresAt: this.host.now() + ms }) };
        const { disconnected } = await api<{ disconnected: number }>('POST', '/api/admin/bans', body);
        this.host.toast(`Banned ${body.target} (${disconnected} connection${disconnected === 1 ? '' : 's'} closed)`, 'success');
        target.value = '';
        reason.value = '';
      } catch (err) {
        this.host.toast(`Not banned: ${failure(err)}`, 'error');
      }
      await this.loadBans();
    });
    return form;
  }

  async loadBans(): Promise<void> {
    try {
      const { bans } = await api<{ bans: Ban[] }>('GET', '/api/admin/bans');
      this.bans.replaceChildren(
        ...(bans.length === 0 ? [h('li', {}, 'None')] : bans.map((ban) =>
          h('li', { 'data-ban': ban.id, 'data-target': ban.target },
            h('span', {}, `${banned(ban)} · ${ban.reason}${ban.expiresMs === null ? '' : ` · until ${formatTime(ban.expiresMs)}`}`),
            h('button', { type: 'button', class: 'ban-lift', onclick: () => void this.lift(ban.id) }, 'Lift'),
          ))),
      );
    } catch (err) {
      this.bans.replaceChildren(h('li', {}, failure(err)));
    }
  }

  private async lift(id: number): Promise<void> {
    try {
      await api('DELETE', `/api/admin/bans/${id}`);
      this.host.toast('Ban lifted', 'success');
    } catch (err) {
      this.host.toast(`Not lifted: ${failure(err)}`, 'error');
    }
    await this.loadBans();
  }

  async loadReports(): Promise<void> {
    try {
      const { reports } = await api<{ reports: Report[] }>('GET', '/api/admin/reports?status=open&limit=50');
      this.reports.replaceChildren(
        ...(reports.length === 0 ? [h('li', {}, 'No open reports')] : reports.map((r) =>
          h('li', { 'data-report': r.id },
            h('span', {}, `${r.boardId} ${r.x}, ${r.y}${r.width > 1 || r.height > 1 ? ` (${r.width}×${r.height})` : ''} · ${r.reason} · ${formatTime(r.createdMs)}`),
            h('div', { class: 'row' },
              h('button', { type: 'button', class: 'report-go', onclick: () => this.host.goTo(r.boardId, r) }, 'Go'),
              h('button', { type: 'button', class: 'report-resolve', onclick: () => void this.close(r.id, 'resolved') }, 'Resolve'),
              h('button', { type: 'button', class: 'report-dismiss', onclick: () => void this.close(r.id, 'dismissed') }, 'Dismiss'),
            ),
          ))),
      );
    } catch (err) {
      this.reports.replaceChildren(h('li', {}, failure(err)));
    }
  }

  private async close(id: number, status: 'resolved' | 'dismissed'): Promise<void> {
    try {
      await api('POST', `/api/admin/reports/${id}`, { status });
      this.host.toast(`Report ${status}`, 'success');
    } catch (err) {
      this.host.toast(`Not changed: ${failure(err)}`, 'error');
    }
    await this.loadReports();
  }

  async loadAudit(older: boolean): Promise<void> {
    const before = older && this.auditNext !== null ? `&before=${this.auditNext}` : '';
    try {
      const { entries, next } = await api<{ entries: AuditEntry[]; next: number | null }>('GET', `/api/admin/audit?limit=50${before}`);
      const items = entries.map((e) =>
        h('li', { 'data-action': e.action },
          h('span', {}, `${formatTime(e.timeMs)} · ${e.username ?? 'system'} · ${e.action} ${short(e.params)} → ${short(e.result)}`)));
      if (older) this.audit.append(...items);
      else this.audit.replaceChildren(...(items.length === 0 ? [h('li', {}, 'Nothing yet')] : items));
      this.auditNext = next;
      this.auditMore.hidden = next === null;
    } catch (err) {
      this.audit.replaceChildren(h('li', {}, failure(err)));
    }
  }
}

/** A ban's target in words: an account ban by its username (its id if the account is gone). */
function banned(ban: Ban): string {
  if (ban.kind === 'user') return ban.username !== null ? `account ${ban.username}` : `account #${ban.target}`;
  return ban.kind === 'ip' ? `IP ${ban.target}` : ban.target;
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? '';
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}
