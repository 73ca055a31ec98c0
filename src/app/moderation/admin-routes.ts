// /api/admin/*: bans, locks, rollback, undo, reset, board settings, roles, reports, audit
// (docs/API.md, "Moderation"). guard.ts checks Origin, account and role before each handler.
import type { Board } from '../../canvas/board.js';
import { ipKey } from '../../net/client-ip.js';
import type { OriginPolicy } from '../../net/origin.js';
import { jsonResponse } from '../../net/response.js';
import type { HttpRequest, Router } from '../../net/router.js';
import { guestActor } from '../../placement/actor.js';
import type { Writer } from '../../placement/write.js';
import { isValidSessionId } from '../../net/session.js';
import { parseIpTarget } from '../../moderation/ip-bans.js';
import type { Rect } from '../../moderation/lock-index.js';
import { ROLES, type BanKind, type BanRecord } from '../../storage/moderation.js';
import type { Storage } from '../../storage/storage.js';
import { ApiError } from '../api/errors.js';
import { boardFrom } from '../api/http.js';
import { historyStore } from '../api/history.js';
import { accountActor, type Account } from './accounts.js';
import { idPage, idParam, jsonBody, oneOf, text, timeOrNull, whole, type Fields } from './body.js';
import { guarded } from './guard.js';
import { differences, pixelsAt, undoTargets, writeTargets, type Culprit, type PixelTargets } from './rollback.js';
import { boardSettingsFrom } from './settings-body.js';
import type { Act, Moderation } from './service.js';

export const MAX_ADMIN_BODY_BYTES = 16 * 1024;
const CONFIRM_MS = 60_000;
const MAX_LOCKS_PER_BOARD = 1000;
const json = (status: number, value: unknown) => jsonResponse(status, value, { 'Cache-Control': 'no-store' });
/** Cluster mode, Redis away: the confirmations are there, so no reset now (its writes would be refused too). */
const unavailable = (): never => {
  throw new ApiError(503, 'UNAVAILABLE', 'the cluster cannot confirm a reset now (Redis does not answer): try again shortly', { 'Retry-After': '1' });
};

export function registerAdminRoutes(router: Router, moderation: Moderation, origins: OriginPolicy, storage: Storage | null): void {
  const { canvas, store, clock, settings } = moderation;
  const mod = (handler: Parameters<typeof guarded>[3]) => guarded(moderation, origins, 'moderator', handler);
  const admin = (handler: Parameters<typeof guarded>[3]) => guarded(moderation, origins, 'admin', handler);
  const act = (by: Account, action: string, params: unknown): Act => ({ by, action, params });
  const body = (request: HttpRequest, keys: readonly string[]) => jsonBody(request, keys);

  const moderatorWriter = (by: Account): Writer => ({ session: `moderator:${by.user.id}`, ip: '0.0.0.0', actor: by.actor, guest: by.actor });
  const submit = (board: Board, writer: Writer, pixels: Uint8Array, count: number) =>
    Promise.resolve(canvas.placements.submitPrivileged({ board, writer, write: { kind: 'batch', pixels, count }, source: 'http' })).then((result) => result.ok);
  const write = async (by: Account, board: Board, targets: PixelTargets) => writeTargets(submit, board, moderatorWriter(by), targets);

  /**
   * Runs an action whose effect is placements, then appends its audit entry: {pixels} once they
   * are durable, or {error} when it failed part-way (a failed commit stores none of its pixels).
   */
  const audited = async <T>(done: Act, effect: () => Promise<T>): Promise<T> => {
    let pixels: T;
    try {
      pixels = await effect();
    } catch (error) {
      const code = error instanceof ApiError ? error.code : 'INTERNAL';
      if (code !== 'NO_HISTORY' && code !== 'REGION_TOO_LARGE') await store.appendAudit(moderation.entry(done, { error: code }));
      throw error;
    }
    await store.appendAudit(moderation.entry(done, { pixels }));
    return pixels;
  };

  const rectOf = (fields: Fields, board: Board): Rect => {
    const x = whole(fields, 'x', 0, board.config.width - 1);
    const y = whole(fields, 'y', 0, board.config.height - 1);
    const width = whole(fields, 'width', 1, board.config.width - x);
    const height = whole(fields, 'height', 1, board.config.height - y);
    return { x, y, width, height };
  };

  // ---- bans ----

  const banTarget = async (kind: BanKind, target: string): Promise<string> => {
    if (kind === 'user') {
      const user = await store.userByName(target);
      if (user === null) throw new ApiError(404, 'USER_NOT_FOUND', `there is no user ${JSON.stringify(target)}`);
      return String(user.id);
    }
    if (kind === 'session') {
      if (/^(guest:[A-Za-z0-9_-]{16}|user:\d{1,15})$/.test(target)) return target;
      if (isValidSessionId(target)) return guestActor(target);
      throw new ApiError(400, 'BAD_TARGET', 'a session is named by its actor as the history shows it ("guest:…", "user:N") or by its session id');
    }
    const ip = parseIpTarget(target, settings.ipv6PrefixLength);
    if (ip === null) throw new ApiError(400, 'BAD_TARGET', 'an IP ban names an address ("203.0.113.7", "2001:db8::1") or a CIDR range ("203.0.113.0/24")');
    return ip.text;
  };

  /** A ban as the API shows it: an account ban also names the account (`username`, null otherwise). */
  const banJson = (ban: BanRecord) => ({ ...ban, username: ban.kind === 'user' ? (moderation.accounts.user(Number(ban.target))?.username ?? null) : null });

  router.http('GET', '/api/admin/bans', mod(() => json(200, { bans: moderation.bans.list().filter((ban) => ban.expiresMs === null || ban.expiresMs > clock.now()).map(banJson) })));
  router.http('POST', '/api/admin/bans', mod(async (request, by) => {
    const fields = body(request, ['kind', 'target', 'reason', 'expiresAt']);
    const kind = oneOf(fields, 'kind', ['user', 'session', 'ip'] as const);
    const target = await banTarget(kind, text(fields, 'target', 200));
    const reason = text(fields, 'reason', 500);
    const expiresAt = timeOrNull(fields, 'expiresAt');
    if (expiresAt !== null && expiresAt <= clock.now()) throw new ApiError(400, 'BAD_JSON', '"expiresAt" is in the past');
    const { ban, disconnected } = await moderation.ban(act(by, 'ban', { kind, target, reason, expiresAt }), kind, target, reason, expiresAt);
    return json(201, { ban: banJson(ban), disconnected });
  }), { maxBodyBytes: MAX_ADMIN_BODY_BYTES });
  router.http('DELETE', '/api/admin/bans/:n', mod(async (request, by) => {
    const id = idParam(request);
    const ban = await moderation.unban(act(by, 'unban', { id }), id);
    if (ban === null) throw new ApiError(404, 'BAN_NOT_FOUND', `no ban ${id} is in force`);
    return json(200, { ban: banJson(ban) });
  }), { maxBodyBytes: 0 });

  // ---- locks ----

  router.http('POST', '/api/admin/boards/:id/locks', mod(async (request, by) => {
    const board = boardFrom(canvas, request);
    const fields = body(request, ['x', 'y', 'width', 'height', 'reason']);
    const rect = rectOf(fields, board);
    const reason = text(fields, 'reason', 500, false);
    if (moderation.locks.of(board.index).length >= MAX_LOCKS_PER_BOARD) throw new ApiError(409, 'TOO_MANY_LOCKS', `a board has at most ${MAX_LOCKS_PER_BOARD} locks`);
    const lock = await moderation.lock(act(by, 'lock', { board: board.config.id, ...rect, reason }), board, rect, reason);
    return json(201, { lock });
  }), { maxBodyBytes: MAX_ADMIN_BODY_BYTES });
  router.http('DELETE', '/api/admin/boards/:id/locks/:n', mod(async (request, by) => {
    const board = boardFrom(canvas, request);
    const id = idParam(request);
    const lock = await moderation.unlock(act(by, 'unlock', { board: board.config.id, id }), board, id);
    if (lock === null) throw new ApiError(404, 'LOCK_NOT_FOUND', `board ${board.config.id} has no lock ${id}`);
    return json(200, { lock });
  }), { maxBodyBytes: 0 });

  // ---- rollback, undo, reset ----

  router.http('POST', '/api/admin/boards/:id/rollback', mod(async (request, by) => {
    const board = boardFrom(canvas, request);
    const fields = body(request, ['x', 'y', 'width', 'height', 'at']);
    const rect = rectOf(fields, board);
    const at = timeOrNull(fields, 'at');
    if (at === null) throw new ApiError(400, 'BAD_JSON', '"at" (ms since the Unix epoch) is required');
    const pixels = await audited(act(by, 'rollback', { board: board.config.id, ...rect, at }), async () => {
      const target = await pixelsAt(historyStore(storage), board, rect, at);
      return write(by, board, differences(board, rect, target));
    });
    return json(200, { pixels });
  }), { maxBodyBytes: MAX_ADMIN_BODY_BYTES });

  router.http('POST', '/api/admin/undo', mod(async (request, by) => {
    const fields = body(request, ['actor', 'username', 'ip', 'since', 'board']);
    const since = timeOrNull(fields, 'since');
    if (since === null) throw new ApiError(400, 'BAD_JSON', '"since" (ms since the Unix epoch) is required');
    const history = historyStore(storage);
    const named = ['actor', 'username', 'ip'].filter((key) => fields[key] !== undefined);
    if (named.length !== 1) throw new ApiError(400, 'BAD_JSON', 'name exactly one of "actor", "username" or "ip"');
    let culprit: Culprit;
    if (fields.username !== undefined) {
      const user = await store.userByName(text(fields, 'username', 64));
      if (user === null) throw new ApiError(404, 'USER_NOT_FOUND', 'there is no such user');
      culprit = { actor: accountActor(user.id) };
    } else if (fields.actor !== undefined) {
      culprit = { actor: text(fields, 'actor', 64) };
    } else {
      const ip = parseIpTarget(text(fields, 'ip', 64), settings.ipv6PrefixLength);
      if (ip === null || ip.key === null) throw new ApiError(400, 'BAD_TARGET', '"ip" is one address (an IPv6 address stands for its /64)');
      culprit = { ipHash: history.hashIp(ipKey(ip.key.split('/')[0]!, settings.ipv6PrefixLength)) };
    }
    const boards = fields.board === undefined ? canvas.boards : [canvas.byId.get(text(fields, 'board', 64))];
    if (boards[0] === undefined) throw new ApiError(404, 'BOARD_NOT_FOUND', 'there is no such board; GET /api/boards lists them');
    const until = clock.now();
    const perBoard = await audited(act(by, 'undo', { ...fields }), async () => {
      const pixels: Record<string, number> = {};
      for (const board of boards as Board[]) pixels[board.config.id] = await write(by, board, await undoTargets(history, board, culprit, since, until));
      return pixels;
    });
    return json(200, { pixels: perBoard });
  }), { maxBodyBytes: MAX_ADMIN_BODY_BYTES });

  router.http('POST', '/api/admin/boards/:id/reset', admin(async (request, by) => {
    const board = boardFrom(canvas, request);
    const fields = body(request, ['to', 'at', 'confirm']);
    const to = oneOf(fields, 'to', ['background', 'time'] as const);
    const at = to === 'time' ? timeOrNull(fields, 'at') : -1;
    if (at === null) throw new ApiError(400, 'BAD_JSON', '"at" is required when "to" is "time"');
    const what = `${by.user.id} ${board.config.id} ${to} ${at}`;
    const now = clock.now();
    const token = fields.confirm === undefined ? null : text(fields, 'confirm', 64);
    const { confirmations } = moderation; // the cluster's in cluster mode: confirm through any member
    if (token === null || !(await confirmations.redeem(token, what, now).catch(unavailable))) {
      const fresh = await confirmations.issue(what, CONFIRM_MS, now).catch(unavailable);
      throw new ApiError(409, 'CONFIRMATION_REQUIRED', `resetting board ${board.config.id} rewrites all of it: send the same request with "confirm" within a minute`, {}, { confirm: fresh });
    }
    const rect = { x: 0, y: 0, width: board.config.width, height: board.config.height };
    const pixels = await audited(act(by, 'reset', { board: board.config.id, to, at }), async () => {
      const target = await pixelsAt(historyStore(storage), board, rect, at);
      return write(by, board, differences(board, rect, target));
    });
    return json(200, { pixels });
  }), { maxBodyBytes: MAX_ADMIN_BODY_BYTES });

  // ---- settings, roles ----

  router.http('PUT', '/api/admin/boards/:id/settings', admin(async (request, by) => {
    const board = boardFrom(canvas, request);
    const fields = body(request, ['open', 'opensAt', 'closesAt', 'buckets']);
    const next = boardSettingsFrom(fields, moderation.states.of(board.index));
    await moderation.changeSettings(act(by, 'settings', { board: board.config.id, ...fields }), board, next);
    return json(200, { settings: publicSettings(moderation, board) });
  }), { maxBodyBytes: MAX_ADMIN_BODY_BYTES });

  router.http('PUT', '/api/admin/users/:name/role', admin(async (request, by) => {
    const role = oneOf(body(request, ['role']), 'role', ROLES);
    const user = await store.userByName(request.params.name ?? '');
    if (user === null) throw new ApiError(404, 'USER_NOT_FOUND', 'there is no such user');
    await moderation.setRole(act(by, 'role', { username: user.username, role }), user.id, role);
    return json(200, { user: { id: user.id, username: user.username, role } });
  }), { maxBodyBytes: MAX_ADMIN_BODY_BYTES });

  // ---- reports, audit ----

  router.http('GET', '/api/admin/reports', mod(async (request) => {
    const status = new URLSearchParams(request.query).get('status') ?? 'open';
    if (!['open', 'resolved', 'dismissed', 'all'].includes(status)) throw new ApiError(400, 'BAD_PARAMETER', 'status is open, resolved, dismissed or all');
    const page = idPage(request);
    const reports = await store.reports(status === 'all' ? null : (status as 'open'), page);
    return json(200, { reports, next: reports.length === page.limit ? reports[reports.length - 1]!.id : null });
  }));
  router.http('POST', '/api/admin/reports/:n', mod(async (request, by) => {
    const id = idParam(request);
    const status = oneOf(body(request, ['status']), 'status', ['resolved', 'dismissed'] as const);
    const report = await moderation.closeReport(act(by, 'report', { id, status }), id, status);
    if (report === null) throw new ApiError(404, 'REPORT_NOT_FOUND', `no open report ${id}`);
    return json(200, { report });
  }), { maxBodyBytes: MAX_ADMIN_BODY_BYTES });

  router.http('GET', '/api/admin/audit', admin(async (request) => {
    const page = idPage(request);
    const entries = await store.audit(page);
    return json(200, { entries, next: entries.length === page.limit ? entries[entries.length - 1]!.id : null });
  }));
}

/** A board's runtime state as GET /api/boards/:id/settings and the settings route answer it. */
export function publicSettings(moderation: Moderation, board: Board) {
  const state = moderation.states.of(board.index);
  return {
    open: state.open,
    opensAt: state.opensAtMs,
    closesAt: state.closesAtMs,
    writable: moderation.states.writable(board.index, moderation.clock.now()),
    buckets: moderation.canvas.policies[board.index]!.buckets,
  };
}
