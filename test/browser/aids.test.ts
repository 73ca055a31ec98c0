// Placing the way the best canvases do it: a reticle with the colour to place,
// zoomed-out clicks that zoom in instead of placing a speck, draw mode apart from
// panning (one finger pans), a flash when the server accepts, the cooldown next
// to the reticle, coalesced toasts; and getting around: the minimap, "go to",
// and a link to the spot.
import type { Page } from 'playwright-core';
import * as assert from 'uvu/assert';
import { browserSuite, clickPixel, clientState, openBoard, PALETTE16, pagePoint, pickColor, screenColor, waitForScreenColor } from './support/browser.js';

const browser = browserSuite('browser: placing aids and navigation');

if (browser) {
  const { test } = browser;

  test('the reticle shows the pixel under the mouse, filled with the colour a click places', async (context) => {
    const page = await openBoard(context, '#board=free&x=16&y=16&zoom=20');
    await pickColor(page, 5);
    const p = await pagePoint(page, 10, 12);
    await page.mouse.move(p.x, p.y);
    await page.waitForFunction(() => (globalThis as any).__tessera.state().reticle?.x === 10);
    await waitForScreenColor(page, 10, 12, PALETTE16[5]!); // the preview, in the middle of the pixel
    assert.equal((await clientState(page)).reticle, { x: 10, y: 12 });
    assert.is(await screenColor(page, 11, 12), PALETTE16[0], 'only that pixel');
    assert.is(context.app.canvas!.boards[1]!.getPixel(10, 12), 0, 'a preview, nothing placed');
    await page.keyboard.press('e');
    await waitForScreenColor(page, 10, 12, PALETTE16[0]!); // the eraser previews the background
  });

  test('zoomed out, a click zooms in on the spot; close up it places, and the pixel flashes when accepted', async (context) => {
    const page = await openBoard(context, '#board=place');
    const before = await clientState(page);
    assert.ok(before.view.zoom < 1, `the whole board is on screen (zoom ${before.view.zoom})`);
    const p = await pagePoint(page, 300, 300);
    await page.mouse.move(p.x, p.y);
    await page.waitForFunction(() => (globalThis as any).__tessera.state().badge === 'Click to zoom in');
    await page.mouse.click(p.x, p.y);
    await page.waitForFunction(() => (globalThis as any).__tessera.state().view.zoom === 16);
    const zoomed = await clientState(page);
    assert.ok(Math.abs(zoomed.view.x - 300.5) < 0.01 && Math.abs(zoomed.view.y - 300.5) < 0.01, 'centred on the pixel');
    assert.ok(zoomed.announcements.includes('Zoomed in at 300, 300: click again to place'));
    assert.is(context.app.canvas!.boards[0]!.getPixel(300, 300), 0, 'nothing placed');

    await pickColor(page, 13);
    await clickPixel(page, 300, 300);
    await page.waitForFunction(() => (globalThis as any).__tessera.state().flashes === 1);
    assert.is(context.app.canvas!.boards[0]!.getPixel(300, 300), 13);
  });

  test('one finger pans and never places; in draw mode it draws', async (context) => {
    const page = await openBoard(context, '#board=free&x=32&y=32&zoom=12', { viewport: { width: 390, height: 844 }, phone: true });
    const board = context.app.canvas!.boards[1]!;
    const before = (await clientState(page)).view;
    await touchDrag(page, [20, 30], [30, 30]);
    const panned = (await clientState(page)).view;
    assert.ok(Math.abs(panned.x - (before.x - 10)) < 0.5, `the view moved by the drag (${before.x} → ${panned.x})`);
    for (let x = 0; x < 64; x++) assert.is(board.getPixel(x, 30), 0, `nothing placed at ${x}, 30`);

    await page.click('#tool-draw');
    assert.ok((await clientState(page)).drawMode);
    await pickColor(page, 12);
    await touchDrag(page, [25, 34], [33, 34]);
    await page.waitForFunction(() => (globalThis as any).__tessera.state().pendingRequests === 0);
    const drawn = [];
    for (let x = 0; x < 64; x++) if (board.getPixel(x, 34) === 12) drawn.push(x);
    assert.equal(drawn, [25, 26, 27, 28, 29, 30, 31, 32, 33]);
  });

  test('the cooldown shows next to the reticle; clicks during it make one toast with a count', async (context) => {
    const page = await openBoard(context, '#board=strict&x=32&y=32&zoom=10');
    await clickPixel(page, 30, 30);
    await page.waitForFunction(() => /^\d\.\d s$/.test((globalThis as any).__tessera.state().badge));
    const badge = (await page.locator('#reticle-badge').boundingBox())!;
    const pixel = await pagePoint(page, 30, 30);
    assert.ok(badge.x > pixel.x && badge.x - pixel.x < 40 && badge.y > pixel.y && badge.y - pixel.y < 40, 'just right of and below the pixel');
    for (let i = 0; i < 3; i++) await clickPixel(page, 31 + i, 30);
    const state = await clientState(page);
    assert.is(state.toastsOnScreen.length, 1, state.toastsOnScreen.map((t) => t.text).join(' | '));
    assert.is(state.toastsOnScreen[0]!.count, 3);
    assert.is(await page.textContent('.toast .count'), '×3');
    assert.is(context.app.canvas!.boards[2]!.getPixel(31, 30), 0);
  });

  test('the minimap shows where the view is and jumps there when clicked', async (context) => {
    const page = await openBoard(context, '#board=place');
    assert.ok(await page.evaluate(() => (globalThis as any).document.getElementById('minimap').hidden), 'no minimap while the whole board shows');
    await page.evaluate(() => (globalThis as any).__tessera.setView(500, 500, 8));
    await page.waitForFunction(() => !(globalThis as any).document.getElementById('minimap').hidden);
    const map = (await page.locator('#minimap').boundingBox())!;
    // The minimap shows the whole 1000×1000 board: (200, 800) is at 20 %, 80 % of it.
    await page.mouse.click(map.x + map.width * 0.2, map.y + map.height * 0.8);
    const view = (await clientState(page)).view;
    assert.ok(Math.abs(view.x - 200) < 8 && Math.abs(view.y - 800) < 8, `the view moved to ${view.x}, ${view.y}`);
    assert.is(view.zoom, 8, 'at the same zoom');
  });

  test('"go to x, y" moves the view and the cursor there; "Copy link" shares the spot; such a link opens it', async (context) => {
    const page = await openBoard(context, '#board=place');
    await page.fill('#goto-x', '123');
    await page.fill('#goto-y', '456');
    await page.click('#goto button[type="submit"]');
    await page.waitForFunction(() => {
      const v = (globalThis as any).__tessera.state().view;
      return v.zoom === 16 && Math.abs(v.x - 123.5) < 1e-6 && Math.abs(v.y - 456.5) < 1e-6;
    });
    const state = await clientState(page);
    assert.equal(state.cursor, { x: 123, y: 456 });
    assert.ok(state.announcements.some((a) => a.startsWith('Went to 123, 456')));
    assert.is(await page.evaluate(() => (globalThis as any).document.activeElement.id), 'board', 'the board has the focus: Enter places there');

    await page.click('#copy-link');
    await page.waitForFunction(() => (globalThis as any).__tessera.app.lastCopiedLink !== '');
    const link: string = await page.evaluate(() => (globalThis as any).__tessera.app.lastCopiedLink);
    assert.match(link, /#board=place&x=123\.5&y=456\.5&zoom=16$/);
    const friend = await openBoard(context, link.slice(link.indexOf('#')));
    assert.equal((await clientState(friend)).view, { x: 123.5, y: 456.5, zoom: 16 });
  });

  browser.run();
}

/** One finger from board pixel `from` to `to`, as touch pointer events (CDP touch would need a real device). */
async function touchDrag(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  const a = await pagePoint(page, from[0], from[1]);
  const b = await pagePoint(page, to[0], to[1]);
  await page.evaluate(([start, end]) => {
    const g = globalThis as any;
    const canvas = g.document.getElementById('board');
    const touch = (type: string, x: number, y: number) =>
      canvas.dispatchEvent(new g.PointerEvent(type, { pointerId: 31, pointerType: 'touch', isPrimary: true, clientX: x, clientY: y, button: type === 'pointermove' ? -1 : 0, buttons: type === 'pointerup' ? 0 : 1, bubbles: true }));
    touch('pointerdown', start.x, start.y);
    for (let i = 1; i <= 8; i++) touch('pointermove', start.x + ((end.x - start.x) * i) / 8, start.y + ((end.y - start.y) * i) / 8);
    touch('pointerup', end.x, end.y);
  }, [a, b] as const);
}
