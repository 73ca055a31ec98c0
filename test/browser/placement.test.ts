// Placing pixels: optimistic display and rollback on REJECT, the cooldown
// countdown, strokes, keyboard-only placement, hover and the shareable hash.
import * as assert from 'uvu/assert';
import { browserSuite, clickPixel, clientState, newPage, openBoard, PALETTE16, pagePoint, pickColor, screenColor, waitForScreenColor } from './support/browser.js';

const browser = browserSuite('browser: placing');

if (browser) {
  const { test } = browser;

  test('a placement the client cannot know is refused shows at once, then rolls back with the reason', async (context) => {
    // Two pages of one browser share a session, hence its quota; only the server knows both.
    const first = await openBoard(context, '#board=strict&x=32&y=32&zoom=8');
    const page = await openBoard(context, '#board=strict&x=32&y=32&zoom=8', { sameContextAs: first });
    await pickColor(first, 5);
    await clickPixel(first, 10, 10);
    await first.waitForFunction(() => (globalThis as any).__tessera.state().announcements.some((a: string) => a.startsWith('Placed')));
    await waitForScreenColor(page, 10, 10, PALETTE16[5]!);

    // The other page still thinks it may place: shown synchronously on click, before any answer can come…
    await pickColor(page, 5);
    const shownAtOnce = await page.evaluate(([x, y]) => {
      const t = (globalThis as any).__tessera;
      const p = t.pagePoint(x, y);
      const g = globalThis as any;
      const canvas = g.document.getElementById('board');
      const init = { clientX: p.x, clientY: p.y, pointerId: 1, pointerType: 'mouse', button: 0, buttons: 1, bubbles: true, isPrimary: true };
      canvas.dispatchEvent(new g.PointerEvent('pointerdown', init));
      canvas.dispatchEvent(new g.PointerEvent('pointerup', { ...init, buttons: 0 }));
      return t.colorAt(x, y);
    }, [11, 10] as const);
    assert.is(shownAtOnce, 5, 'the optimistic pixel');

    // …then the server's REJECT takes it back and says why.
    await page.waitForFunction(() => (globalThis as any).__tessera.state().toasts.some((t: string) => /^Too fast: wait \d/.test(t)));
    await waitForScreenColor(page, 11, 10, PALETTE16[0]!);
    const state = await clientState(page);
    assert.is(state.pendingPixels, 0);
    assert.ok(state.announcements.some((a) => a.startsWith('Too fast')), 'the reason is announced too');
    assert.is(context.app.canvas!.boards[2]!.getPixel(11, 10), 0);
    assert.is(await screenColor(page, 10, 10), PALETTE16[5], 'the accepted pixel stays');
  });

  test('during a cooldown the client knows about, a click sends nothing, shows nothing and says why', async (context) => {
    const page = await openBoard(context, '#board=strict&x=32&y=32&zoom=8');
    await pickColor(page, 5);
    await clickPixel(page, 12, 12);
    await page.waitForFunction(() => /^Wait/.test((globalThis as any).__tessera.state().cooldown));
    await page.waitForFunction(() => (globalThis as any).__tessera.state().pendingRequests === 0);
    const shown = await page.evaluate(([x, y]) => {
      const t = (globalThis as any).__tessera;
      const p = t.pagePoint(x, y);
      const g = globalThis as any;
      const canvas = g.document.getElementById('board');
      const init = { clientX: p.x, clientY: p.y, pointerId: 1, pointerType: 'mouse', button: 0, buttons: 1, bubbles: true, isPrimary: true };
      canvas.dispatchEvent(new g.PointerEvent('pointerdown', init));
      canvas.dispatchEvent(new g.PointerEvent('pointerup', { ...init, buttons: 0 }));
      return { color: t.colorAt(x, y), requests: t.state().pendingRequests };
    }, [13, 12] as const);
    assert.equal(shown, { color: 0, requests: 0 }, 'no optimistic pixel, no request');
    const state = await clientState(page);
    assert.ok(state.toasts.some((t) => /^Not yet: next pixel in \d/i.test(t)), `says why: ${state.toasts.join(' | ')}`);
    assert.ok(state.announcements.some((a) => /^Not yet/.test(a)));
  });

  test('the cooldown counts down after a placement', async (context) => {
    const page = await openBoard(context, '#board=strict&x=32&y=32&zoom=8');
    await page.waitForFunction(() => (globalThis as any).__tessera.state().cooldown === 'Ready');
    await clickPixel(page, 20, 20);
    const first = await page.waitForFunction(() => {
      const m = /^Wait (\d+\.\d) s$/.exec((globalThis as any).__tessera.state().cooldown);
      return m ? Number(m[1]) : false;
    });
    const start = (await first.jsonValue()) as number;
    assert.ok(start > 3 && start <= 5, `starts near 5 s, got ${start}`);
    const later = await page.waitForFunction((s) => {
      const m = /^Wait (\d+\.\d) s$/.exec((globalThis as any).__tessera.state().cooldown);
      return m && Number(m[1]) <= s - 0.5 ? Number(m[1]) : false;
    }, start);
    assert.ok(((await later.jsonValue()) as number) < start);
  });

  test('in draw mode, click-drag draws a stroke sent as PLACE_BATCH', async (context) => {
    const page = await openBoard(context, '#board=free&x=32&y=32&zoom=10');
    const watcher = await openBoard(context, '#board=free&x=32&y=32&zoom=10');
    await pickColor(page, 12);
    await page.click('#tool-draw');
    const from = await pagePoint(page, 10, 40);
    const to = await pagePoint(page, 25, 40);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 6 });
    await page.mouse.up();
    await waitForScreenColor(watcher, 25, 40, PALETTE16[12]!);
    const board = context.app.canvas!.boards[1]!;
    for (let x = 10; x <= 25; x++) assert.is(board.getPixel(x, 40), 12, `pixel ${x}, 40`);
    assert.is(board.getPixel(26, 40), 0);
    assert.is(await screenColor(watcher, 10, 40), PALETTE16[12]);
  });

  test('keyboard only: focus the canvas, pick a colour, move the cursor, press Enter', async (context) => {
    const page = await openBoard(context, '#board=free&x=40.5&y=40.5&zoom=10');
    for (let i = 0; i < 6 && !(await page.evaluate(() => (globalThis as any).document.activeElement?.id === 'board')); i++) await page.keyboard.press('Tab');
    assert.ok(await page.evaluate(() => (globalThis as any).document.activeElement?.id === 'board'), 'Tab reaches the canvas');
    await page.keyboard.press('7'); // colour 7 = palette index 6
    assert.is((await clientState(page)).selectedColor, 6);
    await page.keyboard.press('ArrowRight'); // shows the cursor at the centre of the view
    const start = (await clientState(page)).cursor!;
    assert.equal(start, { x: 40, y: 40 });
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    assert.equal((await clientState(page)).cursor, { x: 42, y: 41 });
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => (globalThis as any).__tessera.state().announcements.includes('Placed colour 7 (#E59500) at 42, 41'));
    await waitForScreenColor(page, 42, 41, PALETTE16[6]!);
    assert.is(context.app.canvas!.boards[1]!.getPixel(42, 41), 6);
    const announcements = (await clientState(page)).announcements;
    assert.ok(announcements.includes('42, 41: colour 1 (#FFFFFF)'), 'the cursor position and colour were announced');
  });

  test('the eraser paints the background; a custom colour snaps to the nearest palette entry', async (context) => {
    context.app.canvas!.boards[1]!.setPixel(3, 3, 9);
    const page = await openBoard(context, '#board=free&x=8&y=8&zoom=20');
    await page.waitForFunction(() => (globalThis as any).__tessera.screenColor(3, 3) === '#94E044');
    await page.keyboard.press('e');
    assert.is((await clientState(page)).tool, 'eraser');
    await clickPixel(page, 3, 3);
    await waitForScreenColor(page, 3, 3, PALETTE16[0]!);
    await page.waitForFunction(() => (globalThis as any).__tessera.state().pendingRequests === 0);
    assert.is(context.app.canvas!.boards[1]!.getPixel(3, 3), 0);

    await page.fill('#custom-colour', '#f00a0a'); // nearest: #E50000, colour 6
    await page.waitForFunction(() => (globalThis as any).__tessera.state().selectedColor === 5);
    const state = await clientState(page);
    assert.is(state.tool, 'brush', 'picking a colour leaves the eraser');
    assert.ok(state.announcements.includes('Nearest palette colour: colour 6 (#E50000)'));
    await page.keyboard.press('b');
    await clickPixel(page, 4, 4);
    await waitForScreenColor(page, 4, 4, PALETTE16[5]!);
    // Recently used colours are offered first, with Shift+1…9; the eraser's background is not one of them.
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('#recent .swatch').length > 0);
    const recent = await page.evaluate(() => [...(globalThis as any).document.querySelectorAll('#recent .swatch')].map((b: any) => Number(b.dataset.index)));
    assert.equal(recent, [5], 'only the brush colour is recent');
    await page.keyboard.press('Digit1');
    await page.keyboard.press('Shift+Digit1');
    assert.is((await clientState(page)).selectedColor, 5, 'Shift+1: the most recent colour');
  });

  test('hover shows coordinates and colour; the hash holds the view', async (context) => {
    context.app.canvas!.boards[1]!.setPixel(5, 6, 13);
    const page = await openBoard(context, '#board=free&x=8&y=8&zoom=20');
    await waitForScreenColor(page, 5, 6, PALETTE16[13]!);
    const p = await pagePoint(page, 5, 6);
    await page.mouse.move(p.x, p.y);
    await page.waitForFunction(() => (globalThis as any).__tessera.state().hoverText === '5, 6: colour 14 (#0000EA)');
    await page.keyboard.press('+');
    await page.waitForFunction(() => /zoom=30\b/.test((globalThis as any).location.hash));
    const hash = (await clientState(page)).hash;
    assert.match(hash, /^#board=free&x=[\d.]+&y=[\d.]+&zoom=30$/);
    const other = await openBoard(context, hash);
    const view = (await clientState(other)).view;
    assert.is(view.zoom, 30);
  });

  test('a stroke draws only what the quota allows: nothing shown is taken back, one message', async (context) => {
    // "limited": 10 pixels per session, batches of 5, and the quota barely refills.
    const page = await openBoard(context, '#board=limited&x=32&y=32&zoom=10');
    await page.waitForFunction(() => /^Ready/.test((globalThis as any).__tessera.state().cooldown));
    await pickColor(page, 12);
    await page.keyboard.press('d');
    const from = await pagePoint(page, 10, 30);
    const to = await pagePoint(page, 39, 30);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x, to.y, { steps: 12 });
    await page.mouse.up();
    await page.waitForFunction(() => (globalThis as any).__tessera.state().pendingRequests === 0);
    const toasts = await page.evaluate(() => [...(globalThis as any).document.querySelectorAll('#toasts .toast')].map((t: any) => t.textContent));
    assert.is(toasts.length, 1, `one message, not one per refused batch: ${toasts.join(' | ')}`);
    assert.match(toasts[0]!, /^Out of pixels: 20 not drawn/);
    const board = context.app.canvas!.boards[5]!;
    const drawn = [];
    for (let x = 0; x < 64; x++) if (board.getPixel(x, 30) === 12) drawn.push(x);
    assert.equal(drawn, [10, 11, 12, 13, 14, 15, 16, 17, 18, 19], 'the first ten pixels of the stroke, in one piece');
    assert.is(await page.evaluate(() => (globalThis as any).__tessera.app.placer.rolledBack), 0, 'no pixel was shown and then taken back');
    assert.match((await clientState(page)).cooldown, /^Wait \d/);
  });

  test('the selected colour is remembered on reload; the hash keeps sub-pixel precision', async (context) => {
    const page = await openBoard(context, '#board=free&x=40.25&y=20.75&zoom=10');
    await pickColor(page, 9);
    // Wait until the address bar has caught up with the view (it is written 250 ms after a change).
    await page.waitForFunction(() => (globalThis as any).__tessera.app.hashWriter.timer === null);
    await page.reload();
    await page.waitForFunction(() => (globalThis as any).__tessera?.ready());
    const state = await clientState(page);
    assert.equal(state.view, { x: 40.25, y: 20.75, zoom: 10 }, 'the same view, not rounded to whole pixels');
    assert.is(state.selectedColor, 9, 'the colour picked before the reload');
  });

  test('an unknown board in the hash says so', async (context) => {
    const page = await newPage(context);
    await page.goto(`${context.app.httpUrl}/#board=nowhere&x=3&y=4`);
    await page.waitForFunction(() => (globalThis as any).__tessera?.ready());
    const state = await clientState(page);
    assert.is(state.board, 'place', 'the first board');
    assert.ok(state.toasts.some((t) => /no board "nowhere"/.test(t)), `told: ${state.toasts.join(' | ')}`);
  });

  browser.run();
}
