// The moderation routes anyone may use: a board's locks and state, and reporting a region.
import type { OriginPolicy } from '../../net/origin.js';
import { jsonResponse } from '../../net/response.js';
import type { Router } from '../../net/router.js';
import { guestActor } from '../../placement/actor.js';
import { KeyedBuckets } from '../../ratelimit/keyed-buckets.js';
import { sameOriginOnly } from '../api/csrf.js';
import { apiRoute, ApiError } from '../api/errors.js';
import { boardFrom } from '../api/http.js';
import { identify } from '../identity.js';
import { publicSettings } from './admin-routes.js';
import { jsonBody, text, whole } from './body.js';
import type { Moderation } from './service.js';

/** Reports: 5 a minute per IP, in bursts of 5. */
const REPORTS = { capacity: 5, refillPerSecond: 5 / 60 };
const MAX_REPORT_BODY_BYTES = 4096;
const MAX_REPORT_SIDE = 1000;

export function registerPublicModerationRoutes(router: Router, moderation: Moderation, origins: OriginPolicy): void {
  const { canvas, clock, settings } = moderation;
  const reports = new KeyedBuckets(REPORTS, { maxKeys: 100_000 });

  router.http('GET', '/api/boards/:id/locks', apiRoute((request) => {
    const board = boardFrom(canvas, request);
    const locks = moderation.locks.of(board.index).map(({ id, x, y, width, height, reason }) => ({ id, x, y, width, height, reason }));
    return jsonResponse(200, { locks }, { 'Cache-Control': 'no-cache' });
  }));

  router.http('GET', '/api/boards/:id/settings', apiRoute((request) => {
    return jsonResponse(200, publicSettings(moderation, boardFrom(canvas, request)), { 'Cache-Control': 'no-cache' });
  }));

  router.http('POST', '/api/boards/:id/reports', apiRoute(sameOriginOnly(async (request, answerHeaders) => {
    const board = boardFrom(canvas, request);
    const who = identify(request, settings);
    if (who.setCookie !== null) answerHeaders['Set-Cookie'] = who.setCookie;
    const fields = jsonBody(request, ['x', 'y', 'width', 'height', 'reason']);
    const x = whole(fields, 'x', 0, board.config.width - 1);
    const y = whole(fields, 'y', 0, board.config.height - 1);
    const width = fields.width === undefined ? 1 : whole(fields, 'width', 1, Math.min(MAX_REPORT_SIDE, board.config.width - x));
    const height = fields.height === undefined ? 1 : whole(fields, 'height', 1, Math.min(MAX_REPORT_SIDE, board.config.height - y));
    const reason = text(fields, 'reason', 500);
    const now = clock.now();
    const wait = reports.retryAfterMs(who.ip, now, 1);
    if (wait > 0) throw new ApiError(429, 'TOO_MANY_REPORTS', 'too many reports: wait retryAfterMs', { 'Retry-After': String(Math.ceil(wait / 1000)) }, { retryAfterMs: wait });
    reports.take(who.ip, now, 1);
    const account = moderation.accounts.resolve(request.head.headers.get('cookie'), now);
    const report = await moderation.store.addReport({
      boardId: board.config.id, x, y, width, height, reason, reporter: account?.actor ?? guestActor(who.session), createdMs: now,
    });
    moderation.metrics.openReports.inc();
    return jsonResponse(201, { report: { id: report.id } }, { 'Cache-Control': 'no-store' });
  }, origins)), { maxBodyBytes: MAX_REPORT_BODY_BYTES });
}
