// Getting around: wheel and pinch zoom, keyboard zoom and pan, the zoom toggle,
// the grid; and the notification when a cooldown ends.
import * as assert from 'uvu/assert';
import { browserSuite, clickPixel, clientState, openBoard, PALETTE16, pagePoint, screenColor } from './support/browser.js';

const browser = browserSuite('browser: navigation');

if (browser) {
  const { test } = browser;

  test('the wheel zooms around the pointer', async (context) => {
    const page = await openBoard(context, '#board=free&x=32&y=32&zoom=8');
    const p = await pagePoint(page, 20, 24);
    await page.mouse.move(p.x, p.y);
    await page.mouse.wheel(0, -300);
    await page.waitForFunction(() => (globalThis as any).__tessera.state().view.zoom > 8);
    const after = await pagePoint(page, 20, 24);
    assert.ok(Math.abs(after.x - p.x) < 1 && Math.abs(after.y - p.y) < 1, 'the pixel under the pointer stays put');
  });

  test('two fingers pinch to zoom and pan together', async (context) => {
    const page = await openBoard(context, '#board=free&x=32&y=32&zoom=8');
    const before = (await clientState(page)).view;
    await page.evaluate(() => {
      const g = globalThis as any;
      const canvas = g.document.getElementById('board');
      const rect = canvas.getBoundingClientRect();
      const touch = (type: string, id: number, x: number, y: number) =>
        canvas.dispatchEvent(new g.PointerEvent(type, { pointerId: id, pointerType: 'touch', clientX: rect.left + x, clientY: rect.top + y, button: 0, buttons: 1, bubbles: true }));
      touch('pointerdown', 21, 300, 300);
      touch('pointerdown', 22, 400, 300);
      for (let i = 1; i <= 10; i++) {
        touch('pointermove', 21, 300 - i * 10, 300 + i * 2); // fingers spread apart and drift down
        touch('pointermove', 22, 400 + i * 10, 300 + i * 2);
      }
      touch('pointerup', 21, 200, 320);
      touch('pointerup', 22, 500, 320);
    });
    const after = (await clientState(page)).view;
    assert.ok(Math.abs(after.zoom / before.zoom - 3) < 0.01, `zoom ×3 (${before.zoom} → ${after.zoom})`);
    assert.ok(after.y < before.y, 'moving both fingers down pans the board down (the view up)');
    assert.is(context.app.canvas!.boards[1]!.getPixel(Math.floor(after.x), Math.floor(after.y)), 0, 'a pinch never places');
  });

  test('keyboard: + and − zoom, arrows pan, Z toggles close-up, G shows the grid, Home fits', async (context) => {
    const page = await openBoard(context, '#board=free&x=32&y=32&zoom=8');
    await page.keyboard.press('+');
    await page.waitForFunction(() => Math.abs((globalThis as any).__tessera.state().view.zoom - 12) < 1e-6);
    await page.keyboard.press('-');
    await page.waitForFunction(() => Math.abs((globalThis as any).__tessera.state().view.zoom - 8) < 1e-6);
    await page.keyboard.press('ArrowRight');
    // Zooming eases over several frames; a key pressed in its last frame stops it a hair
    // short of the target, so view values are compared within a tolerance.
    await page.waitForFunction(() => Math.abs((globalThis as any).__tessera.state().view.x - 42) < 1e-3);
    await page.keyboard.press('z');
    await page.waitForFunction(() => Math.abs((globalThis as any).__tessera.state().view.zoom - 16) < 1e-3);
    await page.keyboard.press('g');
    assert.is(await screenColor(page, 40, 32), PALETTE16[0]);
    await page.waitForFunction(() => (globalThis as any).__tessera.screenColor(40, 32, 0, 0.5) !== '#FFFFFF');
    await page.keyboard.press('z');
    await page.waitForFunction(() => (globalThis as any).__tessera.state().view.zoom < 16);
    await page.keyboard.press('Home');
    await page.waitForFunction(() => Math.abs((globalThis as any).__tessera.state().view.x - 32) < 1e-3);
  });

  test('with notifications on, the end of a cooldown is announced and notified', async (context) => {
    const page = await openBoard(context, '#board=quick&x=32&y=32&zoom=8'); // a 0.6 s cooldown
    await page.check('#notify-toggle');
    await clickPixel(page, 40, 40);
    await page.waitForFunction(() => /^Wait/.test((globalThis as any).__tessera.state().cooldown));
    await page.waitForFunction(() => (globalThis as any).__tessera.state().cooldown === 'Ready');
    await page.waitForFunction(() => (globalThis as any).__tessera.state().announcements.includes('You can place again'));
    assert.is(await page.evaluate(() => (globalThis as any).__tessera.app.notifier.fired), 1);
  });

  browser.run();
}
