// The moderation client end to end (issue 10 §4), two pages each: a moderator or admin acts
// in the panel, a visitor sees the effect. Users are made in the server's store (as the
// admin CLI would) and sign in through the browser context's own request, so the page's
// cookie is theirs; each browser context comes from its own address (X-Forwarded-For, the
// loopback being a trusted proxy here), so the login and report limits per IP never mix tests.
import type { Page } from 'playwright-core';
import * as assert from 'uvu/assert';
import type { Role } from '../../src/storage/moderation.js';
import { encodePlaceBatch } from '../../src/protocol/messages.js';
import { addUser, PASSWORD } from '../moderation/support.js';
import { TestCanvasClient } from '../support/canvas-client.js';
import { browserSuite, clickPixel, PALETTE16, pagePoint, pickColor, screenColor, testBoards, waitForScreenColor, type BrowserContextState } from './support/browser.js';
import { checkLayout, MIN_TOUCH_TARGET } from './support/layout.js';

const FREE = 1; // testBoards(): 'free'
const config = testBoards();
config.server = { ...config.server, trustedProxies: ['127.0.0.1'], passwordCostLog2: 10 };
const browser = browserSuite('browser: moderation', config);

let users = 0;
let addresses = 0;

interface OpenAs {
  viewport?: { width: number; height: number };
  phone?: boolean;
}

/** A page on `hash` in a new browser context of its own address, signed in with a new account of `role` (or a guest). */
async function openAs(context: BrowserContextState, hash: string, role: Role | null, options: OpenAs = {}): Promise<Page> {
  const { viewport = { width: 1000, height: 700 }, phone = false } = options;
  const browserContext = await context.browser.newContext({
    viewport, isMobile: phone, hasTouch: phone, deviceScaleFactor: phone ? 2 : 1, colorScheme: 'dark',
    extraHTTPHeaders: { 'X-Forwarded-For': `10.88.${(++addresses >> 8) & 255}.${addresses & 255}` },
  });
  context.contexts.push(browserContext);
  await browserContext.addInitScript(() => (globalThis as any).localStorage.setItem('tessera.welcomed', '1'));
  if (role !== null) {
    const username = `${role}${++users}`;
    await addUser(context.app, username, role);
    const answer = await browserContext.request.post(`${context.app.httpUrl}/api/auth/login`, { data: { username, password: PASSWORD } });
    assert.is(answer.status(), 200, await answer.text());
  }
  const page = await browserContext.newPage();
  page.on('pageerror', (error) => context.pageErrors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') context.pageErrors.push(`console: ${message.text()}`);
  });
  await page.goto(`${context.app.httpUrl}/${hash}`);
  const board = new URLSearchParams(hash.replace(/^#/, '')).get('board');
  await page.waitForFunction((id) => {
    const t = (globalThis as any).__tessera;
    const s = t?.ready() && t.state();
    return s && s.board === id && (s.fullyDrawnAt !== null || !s.live);
  }, board);
  if (role === 'moderator' || role === 'admin') await page.waitForSelector('#moderate-toggle:not([hidden])');
  return page;
}

/** The browser's own "Failed to load resource: … 409" lines for answers a test asked for. */
function forgiveStatus(context: BrowserContextState, status: number): void {
  const expected = new RegExp(`status of ${status}\\b`);
  for (let i = context.pageErrors.length - 1; i >= 0; i--) if (expected.test(context.pageErrors[i]!)) context.pageErrors.splice(i, 1);
}

async function pickPixel(page: Page, x: number, y: number): Promise<void> {
  if ((await page.getAttribute('#pixel-toggle', 'aria-expanded')) !== 'true') await page.click('#pixel-toggle');
  await page.click('#pixel-pick');
  const p = await pagePoint(page, x, y);
  await page.mouse.click(p.x, p.y);
  await page.waitForFunction((text) => (globalThis as any).document.getElementById('pixel-title').textContent === text, `Pixel ${x}, ${y}`);
}

/** Selects the rectangle with corners (x0, y0) and (x1, y1) by dragging over the canvas. */
async function selectArea(page: Page, x0: number, y0: number, x1: number, y1: number): Promise<void> {
  await page.click('#area-select');
  const a = await pagePoint(page, x0, y0);
  const b = await pagePoint(page, x1, y1);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 5 });
  await page.mouse.up();
  const text = `${Math.abs(x1 - x0) + 1}×${Math.abs(y1 - y0) + 1} from ${Math.min(x0, x1)}, ${Math.min(y0, y1)}`;
  await page.waitForFunction((want) => (globalThis as any).document.getElementById('area-text').textContent === want, text);
}

const bannerText = (page: Page) => page.evaluate(() => (globalThis as any).__tessera.app.moderation.rules.text as string);
const waitForBanner = (page: Page, pattern: RegExp) =>
  page.waitForFunction((source) => new RegExp(source).test((globalThis as any).document.getElementById('board-state-banner').textContent) &&
    !(globalThis as any).document.getElementById('board-state-banner').hidden, pattern.source);
async function waitForToast(page: Page, pattern: RegExp): Promise<void> {
  try {
    await page.waitForFunction((source) => (globalThis as any).__tessera.state().toasts.some((t: string) => new RegExp(source).test(t)), pattern.source);
  } catch (err) {
    const toasts = await page.evaluate(() => (globalThis as any).__tessera.state().toasts).catch(() => '?');
    throw new Error(`no toast ${pattern} among ${JSON.stringify(toasts)}: ${(err as Error).message}`);
  }
}
const pixelOnServer = (context: BrowserContextState, board: number, x: number, y: number) => context.app.canvas!.boards[board]!.getPixel(x, y);

if (browser) {
  const { test } = browser;
  const view = '#board=free&x=32&y=32&zoom=8';

  test('anyone registers, signs out and in; their placements carry their name', async (context) => {
    const page = await openAs(context, view, null);
    await page.click('#account-toggle');
    await page.fill('#account-username', 'newbie');
    await page.fill('#account-password', 'a long password');
    // Every connection state the status bar shows from here on.
    await page.evaluate(() => {
      const g = globalThis as any;
      const status = g.document.getElementById('status-connection');
      g.connectionTexts = [];
      new g.MutationObserver(() => g.connectionTexts.push(status.textContent)).observe(status, { childList: true, characterData: true, subtree: true });
    });
    await page.click('#account-register');
    await page.waitForFunction(() => (globalThis as any).document.getElementById('account-who').textContent === 'Signed in as newbie');
    // The socket reconnects as the account, so its writes are the account's: at once, never "offline".
    await page.waitForFunction(() => (globalThis as any).__tessera.app.connection.received.get('hello') === 2 && (globalThis as any).__tessera.ready());
    assert.equal(await page.evaluate(() => (globalThis as any).connectionTexts), ['Connecting…', 'Connected']);
    await pickColor(page, 5);
    await clickPixel(page, 44, 44);
    await page.waitForFunction(() => (globalThis as any).__tessera.state().flashes > 0);
    await pickPixel(page, 44, 44);
    await page.waitForSelector('#pixel-history li[data-who^="user:"] >> text=newbie');
    assert.is(await page.isHidden('#pixel-history .pixel-ban'), true, 'no ban button for a user');

    await page.click('#account-logout');
    await page.waitForSelector('#account-form:not([hidden])');
    assert.is(await page.textContent('#account-toggle'), 'Account');
    await page.fill('#account-username', 'newbie');
    await page.fill('#account-password', 'not the password');
    await page.click('#account-login');
    await page.waitForFunction(() => (globalThis as any).document.getElementById('account-note').textContent === 'wrong username or password');
    forgiveStatus(context, 401);
    await page.fill('#account-password', 'a long password');
    await page.click('#account-login');
    await page.waitForFunction(() => (globalThis as any).document.getElementById('account-who').textContent === 'Signed in as newbie');
    assert.is(await page.isHidden('#moderate-toggle'), true, 'a user gets no moderation panel');
  });

  test('ban who placed this: the visitor is told and cut off; lifting the ban lets them back', async (context) => {
    const visitor = await openAs(context, view, null);
    const moderator = await openAs(context, view, 'moderator');
    await pickColor(visitor, 5);
    await clickPixel(visitor, 20, 40);
    await waitForScreenColor(moderator, 20, 40, PALETTE16[5]!);

    await pickPixel(moderator, 20, 40);
    await moderator.fill('#pixel-reason', 'bot');
    await moderator.click('#pixel-history li[data-who^="guest:"] .pixel-ban');
    await waitForToast(moderator, /^Banned .* \(1 connection closed\)$/);
    await waitForBanner(visitor, /^You are banned until .+: bot$/); // the default length: an hour
    await visitor.waitForFunction(() => (globalThis as any).__tessera.state().connection !== 'open');

    await moderator.click('#moderate-toggle');
    await moderator.click('#ban-list li[data-target^="guest:"] .ban-lift');
    await waitForToast(moderator, /^Ban lifted$/);
    // The visitor's next reconnect is welcome again: no banner, and placing works.
    await visitor.waitForFunction(() => (globalThis as any).__tessera.ready() && (globalThis as any).__tessera.app.moderation.rules.text === '', undefined, { timeout: 20_000 });
    await clickPixel(visitor, 21, 40);
    await waitForScreenColor(moderator, 21, 40, PALETTE16[5]!);
    assert.is(pixelOnServer(context, FREE, 21, 40), 5);
  });

  test('undo a writer\'s last hour from a pixel they placed, then ban their account by name', async (context) => {
    const raider = await openAs(context, view, 'user');
    const other = await openAs(context, view, null);
    const moderator = await openAs(context, view, 'moderator');
    const username = await raider.evaluate(() => (globalThis as any).__tessera.app.moderation.account.user.username as string);
    await pickColor(other, 10);
    await clickPixel(other, 52, 10);
    await pickColor(raider, 3);
    for (const x of [50, 51]) await clickPixel(raider, x, 10);
    await clickPixel(raider, 52, 11);
    await waitForScreenColor(moderator, 52, 11, PALETTE16[3]!);
    await waitForScreenColor(moderator, 52, 10, PALETTE16[10]!);

    await pickPixel(moderator, 50, 10);
    await moderator.click(`#pixel-history li[data-who^="user:"] .pixel-undo`);
    await waitForToast(moderator, new RegExp(`^Undone: 3 pixels of ${username}$`));
    for (const [x, y] of [[50, 10], [51, 10], [52, 11]] as const) await waitForScreenColor(raider, x, y, PALETTE16[0]!);
    // Another writer's pixel stays (on the server; on screen once the raider's landed flash has faded).
    assert.is(pixelOnServer(context, FREE, 52, 10), 10, 'another writer\'s pixel stays');
    await waitForScreenColor(raider, 52, 10, PALETTE16[10]!);

    await moderator.click('#moderate-toggle');
    await moderator.selectOption('#ban-kind', 'user');
    await moderator.fill('#ban-target', username);
    await moderator.fill('#ban-reason', 'raid');
    await moderator.selectOption('#ban-length', { label: 'Until lifted' });
    await moderator.click('#ban-submit');
    await waitForToast(moderator, new RegExp(`^Banned ${username} \\(1 connection closed\\)$`));
    await waitForBanner(raider, /^You are banned: raid$/);
    await moderator.waitForSelector(`#ban-list li >> text=/^account ${username} · raid$/`);
    assert.is(await bannerText(other), '', 'the other visitor is not banned');
  });

  test('a lock drawn on the canvas is shown to visitors and refuses their pixels; unlocking frees it', async (context) => {
    const visitor = await openAs(context, view, null);
    const moderator = await openAs(context, view, 'moderator');
    assert.is(await screenColor(visitor, 12, 11), PALETTE16[0]);
    await moderator.click('#moderate-toggle');
    await selectArea(moderator, 14, 12, 10, 10);
    assert.equal(await Promise.all(['x', 'y', 'width', 'height'].map((f) => moderator.inputValue(`#area-${f}`))), ['10', '10', '5', '3'], 'the dragged area in numbers');
    await moderator.fill('#lock-reason', 'logo');
    await moderator.click('#area-lock');
    await waitForToast(moderator, /^Area locked$/);
    await visitor.waitForFunction(() => {
      const t = (globalThis as any).__tessera;
      const locks = t.app.moderation.rules.locks.get(1) ?? [];
      return locks.length === 1 && t.screenColor(12, 11) !== '#FFFFFF';
    });
    assert.equal(await visitor.evaluate(() => (globalThis as any).__tessera.app.moderation.rules.locks.get(1)), [{ x: 10, y: 10, width: 5, height: 3 }]);
    assert.is(await screenColor(visitor, 16, 11), PALETTE16[0], 'outside the lock: as it was');

    await pickColor(visitor, 5);
    await clickPixel(visitor, 12, 11);
    await waitForToast(visitor, /^Not placed: this area is locked$/);
    assert.is(pixelOnServer(context, FREE, 12, 11), 0);

    // Typed instead of dragged: the same area tools.
    for (const [field, value] of [['x', '40'], ['y', '50'], ['width', '2'], ['height', '3']]) await moderator.fill(`#area-${field}`, value!);
    await moderator.press('#area-height', 'Tab');
    assert.is(await moderator.textContent('#area-text'), '2×3 from 40, 50');
    await moderator.click('#area-lock');
    await visitor.waitForFunction(() => (globalThis as any).__tessera.app.moderation.rules.locks.get(1)?.length === 2);
    await moderator.click('#lock-list li[data-lock]:has-text("40, 50") .lock-remove');
    await visitor.waitForFunction(() => (globalThis as any).__tessera.app.moderation.rules.locks.get(1)?.length === 1);

    await moderator.waitForSelector('#lock-list li[data-lock] >> text=logo');
    await moderator.click('#lock-list .lock-remove');
    await waitForScreenColor(visitor, 12, 11, PALETTE16[0]!);
    await clickPixel(visitor, 13, 11);
    await waitForScreenColor(moderator, 13, 11, PALETTE16[5]!);
  });

  test('roll back an area: the slider previews the board at T on the canvas, then the visitor sees it restored', async (context) => {
    const visitor = await openAs(context, view, null);
    const moderator = await openAs(context, view, 'moderator');
    await pickColor(visitor, 5);
    await clickPixel(visitor, 24, 24);
    await waitForScreenColor(moderator, 24, 24, PALETTE16[5]!);
    await pickColor(visitor, 3); // the vandal's black, over it and beside it
    await clickPixel(visitor, 24, 24);
    await waitForScreenColor(moderator, 24, 24, PALETTE16[3]!);
    await clickPixel(visitor, 25, 24);
    await waitForScreenColor(moderator, 25, 24, PALETTE16[3]!);
    await clickPixel(visitor, 30, 24); // outside the area: stays
    await waitForScreenColor(moderator, 30, 24, PALETTE16[3]!);
    // Then 1,536 placements elsewhere on the board: the area's own history still reaches back.
    const flooder = await TestCanvasClient.open(`${context.app.wsUrl}/ws`);
    for (let round = 0; round < 3; round++) {
      const pixels = Array.from({ length: 8 * 64 }, (_, i) => [i % 64, 56 + Math.floor(i / 64), 7 + round]).flat();
      flooder.send(encodePlaceBatch(round + 1, FREE, pixels));
      assert.is((await flooder.next('ack', (ack) => ack.requestId === round + 1)).count, 512);
    }
    await flooder.close();

    await moderator.click('#moderate-toggle');
    await selectArea(moderator, 23, 23, 26, 25);
    await moderator.click('#area-rollback');
    await moderator.waitForSelector('#rollback:not([hidden])');
    // Three placement times inside: one step back undoes (25, 24), two steps back (24, 24) too.
    await moderator.press('#rollback-slider', 'ArrowLeft');
    await waitForScreenColor(moderator, 25, 24, PALETTE16[0]!);
    assert.is(await screenColor(moderator, 24, 24), PALETTE16[3]);
    await moderator.press('#rollback-slider', 'ArrowLeft');
    await waitForScreenColor(moderator, 24, 24, PALETTE16[5]!);
    assert.equal([pixelOnServer(context, FREE, 24, 24), pixelOnServer(context, FREE, 25, 24)], [3, 3], 'a preview writes nothing');
    assert.is(await screenColor(visitor, 24, 24), PALETTE16[3]);

    await moderator.click('#rollback-apply');
    await waitForToast(moderator, /^Rolled back: 2 pixels rewritten$/);
    await waitForScreenColor(visitor, 24, 24, PALETTE16[5]!);
    await waitForScreenColor(visitor, 25, 24, PALETTE16[0]!);
    assert.is(await screenColor(visitor, 30, 24), PALETTE16[3], 'outside the area: untouched');
    assert.equal([pixelOnServer(context, FREE, 24, 24), pixelOnServer(context, FREE, 25, 24), pixelOnServer(context, FREE, 30, 24)], [5, 0, 3]);
  });

  test('settings: freezing, an event window with its countdown, and a new rate policy reach open pages without reconnecting', async (context) => {
    const limited = '#board=limited&x=32&y=32&zoom=8';
    const LIMITED = 5;
    const visitor = await openAs(context, limited, null);
    const admin = await openAs(context, limited, 'admin');
    assert.is(await bannerText(visitor), '');
    assert.is(await admin.textContent('#moderate-toggle'), 'Admin');
    await admin.click('#moderate-toggle');
    await admin.waitForFunction(() => (globalThis as any).document.getElementById('settings-buckets').value !== '');

    await admin.uncheck('#settings-open');
    await admin.click('#settings-save');
    await waitForBanner(visitor, /^Frozen: this board is read-only for now$/);
    await pickColor(visitor, 5);
    await clickPixel(visitor, 5, 5);
    await waitForToast(visitor, /^Not placed: this area is locked$/);
    assert.is(pixelOnServer(context, LIMITED, 5, 5), 0);

    const local = (offsetMs: number) => admin.evaluate((offset) => {
      const ms = Date.now() + offset;
      return new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    }, offsetMs);
    await admin.check('#settings-open');
    await admin.fill('#settings-closes', await local(3_600_000));
    await admin.click('#settings-save');
    await waitForBanner(visitor, /^Closes in (59:\d\d|1:00:00)$/);
    await admin.fill('#settings-opens', await local(7_200_000));
    await admin.fill('#settings-closes', await local(10_800_000));
    await admin.click('#settings-save');
    await waitForBanner(visitor, /^Opens in (1:59:\d\d|2:00:00)$/);

    const rulesBefore = await visitor.textContent('#board-rules');
    const hellosBefore = await visitor.evaluate(() => (globalThis as any).__tessera.state().hellos);
    assert.is(hellosBefore, 1);
    await admin.fill('#settings-opens', '');
    await admin.fill('#settings-closes', '');
    await admin.fill('#settings-buckets', '[{"key":"session","capacity":3,"refillPerSecond":0.5,"unit":"pixel"}]');
    await admin.click('#settings-save');
    await waitForToast(admin, /^Settings saved$/);
    await visitor.waitForFunction(() => (globalThis as any).document.getElementById('board-state-banner').hidden);
    // The open page hears of it (POLICY) and shows the new rules on the same connection.
    await visitor.waitForFunction(() => /^3 pixels at once/.test((globalThis as any).document.getElementById('board-rules').textContent));
    assert.is(await visitor.evaluate(() => (globalThis as any).__tessera.state().hellos), hellosBefore, 'no reconnect');
    // A page opened now has them in HELLO.
    const later = await openAs(context, limited, null);
    const rulesAfter = await later.textContent('#board-rules');
    assert.not.equal(rulesAfter, rulesBefore);
    assert.match(rulesAfter ?? '', /3/);

    await admin.fill('#settings-buckets', '');
    await admin.click('#settings-save');
    await admin.waitForFunction((text) => (globalThis as any).document.getElementById('settings-buckets').value === text, JSON.stringify(testBoards().boards[LIMITED]!.policy.buckets));
  });

  test('reports: a visitor reports a pixel, the moderator jumps there and resolves it; the audit log shows it', async (context) => {
    const visitor = await openAs(context, view, null);
    const admin = await openAs(context, '#board=free&x=10&y=50&zoom=4', 'admin');
    await pickPixel(visitor, 30, 30);
    await visitor.click('#pixel-report');
    await waitForToast(visitor, /^Say what is wrong/);
    await visitor.fill('#pixel-reason', 'offensive drawing');
    await visitor.click('#pixel-report');
    await waitForToast(visitor, /^Reported/);

    await admin.click('#moderate-toggle');
    const report = '#report-list li[data-report]';
    await admin.waitForSelector(`${report} >> text=offensive drawing`);
    await admin.click(`${report} .report-go`);
    await admin.waitForFunction(() => {
      const s = (globalThis as any).__tessera.state();
      return s.cursor?.x === 30 && s.cursor?.y === 30 && s.board === 'free';
    });
    assert.is(await admin.textContent('#area-text'), '1×1 from 30, 30', 'the reported area is the one selected');
    await admin.click(`${report} .report-resolve`);
    await admin.waitForSelector('#report-list >> text=No open reports');

    await admin.click('#audit-refresh');
    await admin.waitForSelector('#audit-list li[data-action="report"] >> text=resolved');
  });

  test('a phone: the account, pixel and admin panels keep 44 px targets and no overflow', async (context) => {
    const admin = await openAs(context, view, 'admin', { viewport: { width: 360, height: 800 }, phone: true });
    for (const toggle of ['#account-toggle', '#pixel-toggle', '#moderate-toggle']) await admin.click(toggle);
    await pickPixel(admin, 32, 32);
    await admin.waitForSelector('#audit-list li');
    const report = await checkLayout(admin, { minTarget: MIN_TOUCH_TARGET });
    assert.equal(report.problems, [], report.problems.join('\n'));
  });

  // Last: it blanks the board the others draw on.
  test('reset: the admin confirms, and the visitor sees the board blank', async (context) => {
    const visitor = await openAs(context, view, null);
    const admin = await openAs(context, view, 'admin');
    await pickColor(visitor, 10);
    await clickPixel(visitor, 40, 40);
    await waitForScreenColor(admin, 40, 40, PALETTE16[10]!);
    await admin.click('#moderate-toggle');
    await admin.click('#reset-start');
    await admin.waitForSelector('#reset-confirm:not([hidden])');
    assert.is(pixelOnServer(context, FREE, 40, 40), 10, 'nothing before the confirmation');
    forgiveStatus(context, 409);
    await admin.click('#reset-confirm');
    await admin.waitForSelector('#reset-text >> text=/^Reset: \\d+ pixels rewritten$/');
    await waitForScreenColor(visitor, 40, 40, PALETTE16[0]!);
    assert.is(pixelOnServer(context, FREE, 40, 40), 0);
  });

  browser.run();
}
