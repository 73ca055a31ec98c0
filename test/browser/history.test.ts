// The history in the client (issue 8 §4–§6): pixel info (right-click, long press, I),
// "N placed" in the status bar, the timelapse player, the heatmap and virgin-map overlays,
// and the download links. Against the real server with its SQLite history.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import * as assert from 'uvu/assert';
import { browserSuite, clickPixel, openBoard, PALETTE16, pagePoint, pickColor, screenColor, waitForScreenColor } from './support/browser.js';
import { hexToRgba, makePng } from './support/images.js';
import { checkFullyVisible, checkLayout, MIN_TOUCH_TARGET } from './support/layout.js';

const browser = browserSuite('browser: history');

interface HistoryState {
  mineCount: number | null;
  mineText: string;
  me: string | null;
  pixelInfo: { open: boolean; pixel: { x: number; y: number } | null; loads: number; entries: { who: string; color: number; previousColor: number; timeMs: number }[]; text: string };
  player: { open: boolean; loaded: boolean; count: number; times: number[]; startMs: number; endMs: number; playheadMs: number; applied: number; playing: boolean; speed: number; timeText: string; note: string };
  overlays: Record<'heatmap' | 'virgin', { enabled: boolean; loading: boolean; error: string | null; records: number }>;
}

const history = (page: Page): Promise<HistoryState> => page.evaluate(() => (globalThis as any).__tessera.history());

/** Places colour `color` at (x, y) by a click and waits for its ACK (the ring flash). */
async function place(page: Page, x: number, y: number, color: number): Promise<void> {
  await pickColor(page, color);
  const flashes: number = await page.evaluate(() => (globalThis as any).__tessera.state().flashes);
  await clickPixel(page, x, y);
  await page.waitForFunction((n) => (globalThis as any).__tessera.state().flashes > n, flashes);
}

if (browser) {
  const { test } = browser;

  test('my placements: the status bar counts what this session placed, and only that', async (context) => {
    const page = await openBoard(context, '#board=free&x=32&y=32&zoom=8');
    await page.waitForFunction(() => (globalThis as any).__tessera.history().mineText === '0 placed');
    for (let i = 0; i < 3; i++) await place(page, 40 + i, 40, 5);
    await page.waitForFunction(() => (globalThis as any).__tessera.history().mineText === '3 placed');
    const other = await openBoard(context, '#board=free&x=32&y=32&zoom=8');
    await place(other, 50, 50, 3);
    await other.waitForFunction(() => (globalThis as any).__tessera.history().mineText === '1 placed');
    const [mine, theirs] = [await history(page), await history(other)];
    assert.is(mine.mineCount, 3, "another session's placement is not mine");
    assert.ok(mine.me !== null && mine.me !== theirs.me, 'each session has its own name in the history');
  });

  test('pixel info: right-click shows who placed it, when, and its last colours; I and a long press too; a new placement updates it', async (context) => {
    const alice = await openBoard(context, '#board=free&x=32&y=32&zoom=8');
    const bob = await openBoard(context, '#board=free&x=32&y=32&zoom=8');
    await place(alice, 10, 12, 5);
    await place(bob, 10, 12, 12);
    const before = Date.now();

    const p = await pagePoint(alice, 10, 12);
    await alice.mouse.click(p.x, p.y, { button: 'right' });
    await alice.waitForFunction(() => (globalThis as any).__tessera.history().pixelInfo.loads >= 1);
    let info = (await history(alice)).pixelInfo;
    assert.ok(info.open);
    assert.equal(info.pixel, { x: 10, y: 12 });
    assert.equal(info.entries.map((e) => [e.color, e.previousColor]), [[12, 5], [5, 0]], 'newest first, with the colour before');
    const [aliceMe, bobMe] = [(await history(alice)).me, (await history(bob)).me];
    assert.equal(info.entries.map((e) => e.who), [bobMe, aliceMe]);
    assert.ok(info.entries.every((e) => e.timeMs <= before + 1000 && e.timeMs > before - 60_000), 'placed just now');
    assert.match(info.text, 'Pixel 10, 12');
    assert.match(info.text, `colour 13 (${PALETTE16[12]}) by ${bobMe}`);
    assert.match(info.text, `colour 6 (${PALETTE16[5]}) by you`, 'your own placement says "you"');
    assert.is(await alice.evaluate(() => (globalThis as any).__tessera.colorAt(10, 12)), 12, 'a right-click places nothing');

    // Open on that pixel, someone placing there shows at once.
    await place(bob, 10, 12, 3);
    await alice.waitForFunction(() => (globalThis as any).__tessera.history().pixelInfo.entries[0]?.color === 3);

    // The close button; I at the keyboard cursor on a pixel never placed; Escape.
    await alice.click('#pixel-info-close');
    assert.not.ok((await history(alice)).pixelInfo.open);
    await alice.focus('#board');
    await alice.keyboard.press('ArrowRight'); // shows the cursor
    const cursor = await alice.evaluate(() => (globalThis as any).__tessera.state().cursor);
    await alice.keyboard.press('i');
    await alice.waitForFunction((c) => {
      const info = (globalThis as any).__tessera.history().pixelInfo;
      return info.pixel?.x === c.x && info.pixel?.y === c.y && /Never placed/.test(info.text);
    }, cursor);
    await alice.keyboard.press('Escape');
    assert.not.ok((await history(alice)).pixelInfo.open, 'Escape closes it');

    // A long press (a finger held still) on a phone: info, and no placement.
    const phone = await openBoard(context, '#board=free&x=32&y=32&zoom=8', { phone: true, viewport: { width: 390, height: 844 } });
    await phone.evaluate(([x, y]) => {
      const g = globalThis as any;
      const at = g.__tessera.pagePoint(x, y);
      g.document.getElementById('board').dispatchEvent(new g.PointerEvent('pointerdown', { pointerId: 41, pointerType: 'touch', isPrimary: true, clientX: at.x, clientY: at.y, button: 0, buttons: 1, bubbles: true }));
    }, [10, 12] as const);
    await phone.waitForFunction(() => (globalThis as any).__tessera.history().pixelInfo.loads >= 1);
    await phone.evaluate(([x, y]) => {
      const g = globalThis as any;
      const at = g.__tessera.pagePoint(x, y);
      g.document.getElementById('board').dispatchEvent(new g.PointerEvent('pointerup', { pointerId: 41, pointerType: 'touch', isPrimary: true, clientX: at.x, clientY: at.y, button: 0, buttons: 0, bubbles: true }));
    }, [10, 12] as const);
    info = (await history(phone)).pixelInfo;
    assert.equal(info.pixel, { x: 10, y: 12 });
    assert.is(info.entries.length, 3);
    const state = await phone.evaluate(() => (globalThis as any).__tessera.state());
    assert.is(state.pendingRequests + state.flashes, 0, 'the long press placed nothing');
    const report = await checkLayout(phone, { minTarget: MIN_TOUCH_TARGET, within: '#pixel-info' });
    assert.equal(report.problems, [], 'the panel fits a phone, with 44 px targets');
  });

  test('timelapse player: the start snapshot and the stream; scrub, jump, play at a speed, pause', async (context) => {
    const page = await openBoard(context, '#board=place&x=20&y=20&zoom=16');
    await place(page, 20, 20, 5);
    await place(page, 21, 20, 12);
    await place(page, 20, 20, 3);
    await page.click('#timelapse-open');
    await page.waitForFunction(() => (globalThis as any).__tessera.history().player.loaded);
    const player = (await history(page)).player;
    assert.is(player.count, 3);
    assert.is(player.playheadMs, player.endMs, 'it opens on the board as it is now');
    const color = (x: number, y: number) => page.evaluate(([px, py]) => (globalThis as any).__tessera.playerColor(px, py), [x, y] as const);
    assert.equal([await color(20, 20), await color(21, 20), await color(22, 20)], [PALETTE16[3], PALETTE16[12], PALETTE16[0]]);

    // Scrub: the bar is in ms from the start snapshot, 1 ms before the first record.
    const [t1, t2, t3] = player.times as [number, number, number];
    assert.ok(t1 <= t2 && t2 <= t3);
    assert.is(player.startMs, t1 - 1);
    const scrubTo = (ms: number) =>
      page.evaluate((value) => {
        const g = globalThis as any;
        const scrub = g.document.getElementById('timelapse-scrub');
        scrub.value = String(value);
        scrub.dispatchEvent(new g.Event('input', { bubbles: true }));
      }, ms);
    await scrubTo(t2 - t1);
    if (t2 > t1) assert.equal([await color(20, 20), await color(21, 20)], [PALETTE16[5], PALETTE16[0]], 'after the first placement only');
    await scrubTo(0);
    assert.equal([await color(20, 20), await color(21, 20)], [PALETTE16[0], PALETTE16[0]], 'the start: nothing placed yet');
    await scrubTo(t3 - t1 + 1);
    assert.equal([await color(20, 20), await color(21, 20)], [PALETTE16[3], PALETTE16[12]], 'forward again');
    assert.match((await history(page)).player.timeText, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    // Jump to a time before the first placement: the start snapshot (the empty board).
    const d = new Date(t1 - 2000);
    const two = (n: number) => String(n).padStart(2, '0');
    await page.fill('#timelapse-jump', `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`);
    await page.click('#timelapse-go');
    await page.waitForFunction(() => (globalThis as any).__tessera.history().player.applied === 0);
    assert.equal([await color(20, 20), await color(21, 20)], [PALETTE16[0], PALETTE16[0]]);

    // Play at 1000×: it replays to the end by itself and stops there, every record applied.
    await page.selectOption('#timelapse-speed', '1000');
    await page.click('#timelapse-play');
    await page.waitForFunction(() => {
      const p = (globalThis as any).__tessera.history().player;
      return !p.playing && p.applied === 3;
    });
    assert.equal((await history(page)).player.speed, 1000);
    assert.equal([await color(20, 20), await color(21, 20)], [PALETTE16[3], PALETTE16[12]]);
    assert.is(await page.textContent('#timelapse-play'), 'Play');

    // At 1×, from the start again (Play at the end): the playhead moves with the clock.
    await page.selectOption('#timelapse-speed', '1');
    await page.click('#timelapse-play');
    await page.waitForFunction((start) => (globalThis as any).__tessera.history().player.playheadMs > start, player.startMs);
    await page.waitForFunction(() => (globalThis as any).__tessera.history().player.applied === 3);

    // Pause: Play then Pause before any frame; two frames later it has not moved.
    const frozen = await page.evaluate(async () => {
      const g = globalThis as any;
      const button = g.document.getElementById('timelapse-play');
      button.click(); // at the end: back to the start, playing
      button.click(); // paused
      const at = g.__tessera.history().player.playheadMs;
      await new Promise((resolve) => g.requestAnimationFrame(() => g.requestAnimationFrame(resolve)));
      const p = g.__tessera.history().player;
      return { at, now: p.playheadMs, playing: p.playing, label: button.textContent };
    });
    assert.equal(frozen, { at: player.startMs, now: player.startMs, playing: false, label: 'Play' });
    await page.click('#timelapse-close');
    assert.not.ok((await history(page)).player.open);
  });

  test('on the narrowest phone the "placed" pill is whole, and the timelapse player fits, with 44 px controls', async (context) => {
    const page = await openBoard(context, '#board=place&x=20&y=20&zoom=16', { phone: true, viewport: { width: 360, height: 800 } });
    await page.waitForFunction(() => /online$/.test((globalThis as any).__tessera.state().onlineText) && /placed$/.test((globalThis as any).__tessera.history().mineText));
    for (const selector of ['#status-connection', '#status-latency', '#status-online', '#status-mine']) assert.equal(await checkFullyVisible(page, selector), []);
    assert.equal((await checkLayout(page, { minTarget: MIN_TOUCH_TARGET })).problems, []);
    await page.click('#timelapse-open');
    await page.waitForFunction(() => (globalThis as any).__tessera.history().player.loaded);
    const report = await checkLayout(page, { minTarget: MIN_TOUCH_TARGET, within: '#timelapse' });
    assert.equal(report.problems, []);
  });

  test('overlays: the virgin map tints what was never placed; the heatmap lights what was placed lately, live', async (context) => {
    const page = await openBoard(context, '#board=limited&x=32&y=32&zoom=8');
    await place(page, 30, 30, 3);
    const background = PALETTE16[0]!;
    assert.is(await screenColor(page, 34, 34), background);

    await page.click('#overlay-virgin');
    await page.waitForFunction(() => {
      const v = (globalThis as any).__tessera.history().overlays.virgin;
      return v.enabled && !v.loading;
    });
    assert.is(await page.getAttribute('#overlay-virgin', 'aria-pressed'), 'true');
    assert.equal(await page.evaluate(() => [(globalThis as any).__tessera.overlayAt(30, 30).virgin, (globalThis as any).__tessera.overlayAt(34, 34).virgin]), [false, true]);
    // Green over a never-placed pixel (the ring flash of the last placement does not reach it).
    await page.waitForFunction(() => {
      const hex: string = (globalThis as any).__tessera.screenColor(34, 34);
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      return g! > r! + 40 && g! > b! + 40;
    });
    assert.is(await screenColor(page, 30, 30), PALETTE16[3], 'a placed pixel shows as it is');
    // A pixel placed now (the DIFF) leaves the virgin map.
    await place(page, 32, 30, 5);
    await waitForScreenColor(page, 32, 30, PALETTE16[5]!);
    assert.is((await page.evaluate(() => (globalThis as any).__tessera.overlayAt(32, 30))).virgin, false);
    await page.click('#overlay-virgin');
    await waitForScreenColor(page, 34, 34, background);

    await page.click('#overlay-heatmap');
    await page.waitForFunction(() => {
      const h = (globalThis as any).__tessera.history().overlays.heatmap;
      return h.enabled && !h.loading && h.records === 2;
    });
    const heat = await page.evaluate(() => [30, 31, 32].map((x) => (globalThis as any).__tessera.overlayAt(x, 30).heat));
    assert.ok(heat[0] > 0.9 && heat[2] > 0.9, `just placed: hot (${heat})`);
    assert.is(heat[1], 0, 'never placed: cold');
    // The heat shows over the pixel (a dark grey under a warm orange) from the next frame on.
    await page.waitForFunction(() => {
      const hex: string = (globalThis as any).__tessera.screenColor(30, 30);
      return parseInt(hex.slice(1, 3), 16) > 0xc0;
    });
    // Another session places: its DIFF warms that pixel too.
    const other = await openBoard(context, '#board=limited&x=32&y=32&zoom=8');
    await place(other, 40, 40, 5);
    await page.waitForFunction(() => (globalThis as any).__tessera.overlayAt(40, 40).heat > 0.9);
    await page.click('#overlay-heatmap');
    await waitForScreenColor(page, 30, 30, PALETTE16[3]!);
  });

  test('a tile write (one record of 32 × 32 pixels) replays whole in the player and leaves the virgin map whole', async (context) => {
    // Tile (1, 2) of the tiles board: left half colour 5, right half colour 12, written over HTTP.
    const png = makePng(32, 32, (x) => hexToRgba(PALETTE16[x < 16 ? 5 : 12]!));
    const response = await fetch(`${context.app.httpUrl}/api/boards/tiles/tiles/1/2`, { method: 'PUT', headers: { 'Content-Type': 'image/png' }, body: png });
    assert.is(response.status, 200);
    const page = await openBoard(context, '#board=tiles&x=48&y=80&zoom=4');
    await page.click('#timelapse-open');
    await page.waitForFunction(() => (globalThis as any).__tessera.history().player.loaded);
    assert.is((await history(page)).player.count, 1);
    const color = (x: number, y: number) => page.evaluate(([px, py]) => (globalThis as any).__tessera.playerColor(px, py), [x, y] as const);
    assert.equal([await color(32, 64), await color(63, 95), await color(64, 64), await color(31, 64)], [PALETTE16[5], PALETTE16[12], PALETTE16[0], PALETTE16[0]]);
    await page.click('#timelapse-close');
    await page.click('#overlay-virgin');
    await page.waitForFunction(() => {
      const v = (globalThis as any).__tessera.history().overlays.virgin;
      return v.enabled && !v.loading;
    });
    const virgin = await page.evaluate(() => [[32, 64], [63, 95], [64, 64], [31, 95]].map(([x, y]) => (globalThis as any).__tessera.overlayAt(x, y).virgin));
    assert.equal(virgin, [false, false, true, true]);
  });

  test('downloads: the PNG, CSV, NDJSON and timelapse links download the board and its history', async (context) => {
    const page = await openBoard(context, '#board=quick&x=32&y=32&zoom=8');
    await place(page, 5, 6, 5);
    const download = async (selector: string) => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
      return { name: file.suggestedFilename(), bytes: readFileSync((await file.path())!) };
    };
    const png = await download('#download-png');
    assert.is(png.name, 'quick.png');
    assert.equal([...png.bytes.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
    const csv = await download('#download-csv');
    const lines = csv.bytes.toString('utf8').trim().split('\n');
    assert.is(lines[0], 'timestamp,user_id,pixel_color,coordinate');
    assert.is(lines.length, 2);
    assert.match(lines[1]!, `${PALETTE16[5]},"5,6"`);
    const ndjson = await download('#download-ndjson');
    assert.is(JSON.parse(ndjson.bytes.toString('utf8').trim()).coordinate, '5,6');
    const tlps = await download('#download-timelapse');
    assert.is(tlps.name, 'quick.tlps');
    assert.is(tlps.bytes.subarray(0, 4).toString('latin1'), 'TLPS');
  });

  browser.run();
}
