// Templates: loaded from a file, quantised, shown as per-pixel hints, compared
// with the board as pixels are placed, kept across reloads and shared by link.
import * as assert from 'uvu/assert';
import { browserSuite, clientState, openBoard, PALETTE16, pagePoint, screenColor } from './support/browser.js';
import { hexToRgba, makePng } from './support/images.js';

const browser = browserSuite('browser: templates');

if (browser) {
  const { test } = browser;

  test('a template shows hints, counts differing pixels as they are placed, and is kept and shared', async (context) => {
    const page = await openBoard(context, '#board=free&x=16&y=16&zoom=20');
    await page.click('#templates-toggle');
    // 6×4: blue (#0000EA, colour 14) with a transparent top-right corner pixel: 23 pixels.
    const blue = hexToRgba(PALETTE16[13]!);
    const png = makePng(6, 4, (x, y) => (x === 5 && y === 0 ? [0, 0, 0, 0] : [blue[0] + 3, blue[1] + 2, blue[2] - 4, 255]));
    await page.setInputFiles('#template-file', { name: 'flag.png', mimeType: 'image/png', buffer: png });
    await page.waitForFunction(() => (globalThis as any).__tessera.templateStats() !== null);
    await page.fill('#template-x', '10');
    await page.fill('#template-y', '12');
    await page.waitForFunction(() => (globalThis as any).__tessera.templateStatsText() === '23 of 23 pixels differ');
    const stats = await page.evaluate(() => (globalThis as any).__tessera.templateStats());
    assert.equal([stats.x, stats.y, stats.width, stats.height], [10, 12, 6, 4]);

    // Zoomed in, a hint is a dot of the wanted colour in the middle of the pixel; its corner shows the board.
    await page.waitForFunction(() => (globalThis as any).__tessera.screenColor(10, 12) === '#0000EA');
    assert.is(await screenColor(page, 10, 12, 0.1, 0.1), PALETTE16[0]);
    assert.is(await screenColor(page, 15, 12), PALETTE16[0], 'the transparent pixel has no hint');

    // "Next differing pixel" moves the cursor there and picks the colour; Enter places it.
    for (let placed = 1; placed <= 3; placed++) {
      await page.click('#template-next');
      await page.waitForFunction(() => (globalThis as any).__tessera.state().cursor !== null);
      const state = await clientState(page);
      assert.is(state.selectedColor, 13);
      await page.keyboard.press('Enter');
      await page.waitForFunction((n) => (globalThis as any).__tessera.templateStatsText() === `${23 - n} of 23 pixels differ`, placed);
    }
    const board = context.app.canvas!.boards[1]!;
    assert.is(board.getPixel(10, 12), 13);
    assert.is(board.getPixel(11, 12), 13);
    assert.is(board.getPixel(12, 12), 13);

    // Someone else's pixels count too.
    board.setPixel(10, 15, 13);
    await page.waitForFunction(() => (globalThis as any).__tessera.templateStatsText() === '19 of 23 pixels differ');

    // Only differing pixels: those still to do keep their hints.
    await page.check('#template-only-diff');
    await page.waitForFunction(() => (globalThis as any).__tessera.app.templatePanel.active.onlyDiff === true);
    assert.is(await screenColor(page, 13, 12), PALETTE16[13]);
    assert.is(await screenColor(page, 13, 12, 0.1, 0.1), PALETTE16[0]);

    // Kept in localStorage across a reload…
    await page.reload();
    await page.waitForFunction(() => (globalThis as any).__tessera?.ready() && (globalThis as any).__tessera.templateStatsText() === '19 of 23 pixels differ');

    // …and shared by link to someone who has never seen it.
    await page.click('#templates-toggle');
    await page.click('#template-share');
    await page.waitForFunction(() => (globalThis as any).__tessera.shareLink() !== '');
    const link: string = await page.evaluate(() => (globalThis as any).__tessera.shareLink());
    assert.match(link, /#board=free&.*t=/);
    const friend = await openBoard(context, link.slice(link.indexOf('#')));
    await friend.waitForFunction(() => (globalThis as any).__tessera.templateStatsText() === '19 of 23 pixels differ');
    const shared = await friend.evaluate(() => (globalThis as any).__tessera.templateStats());
    assert.equal([shared.x, shared.y, shared.width, shared.height], [10, 12, 6, 4]);
    await friend.waitForFunction(() => !/[&#]t=/.test((globalThis as any).location.hash));
  });

  test('an image dropped on the board becomes a template at the drop point; a pasted one at the view', async (context) => {
    const page = await openBoard(context, '#board=free&x=32&y=32&zoom=8');
    const png = makePng(3, 3, () => hexToRgba(PALETTE16[5]!)).toString('base64');
    const drop = await page.evaluate(
      ([base64, point]) => {
        const g = globalThis as any;
        const bytes = Uint8Array.from(g.atob(base64), (c: string) => c.charCodeAt(0));
        const transfer = new g.DataTransfer();
        transfer.items.add(new g.File([bytes], 'dropped.png', { type: 'image/png' }));
        const canvas = g.document.getElementById('board');
        canvas.dispatchEvent(new g.DragEvent('drop', { dataTransfer: transfer, clientX: point.x, clientY: point.y, bubbles: true, cancelable: true }));
        return true;
      },
      [png, await pagePoint(page, 20, 24)] as const,
    );
    assert.ok(drop);
    await page.waitForFunction(() => (globalThis as any).__tessera.templateStats()?.x === 20);
    const dropped = await page.evaluate(() => (globalThis as any).__tessera.templateStats());
    assert.equal([dropped.x, dropped.y, dropped.total], [20, 24, 9]);

    await page.evaluate((base64) => {
      const g = globalThis as any;
      const bytes = Uint8Array.from(g.atob(base64), (c: string) => c.charCodeAt(0));
      const transfer = new g.DataTransfer();
      transfer.items.add(new g.File([bytes], 'clip.png', { type: 'image/png' }));
      g.document.body.dispatchEvent(new g.ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
    }, png);
    await page.waitForFunction(() => (globalThis as any).__tessera.app.templatePanel.active?.name === 'Pasted image');
    const pasted = await page.evaluate(() => (globalThis as any).__tessera.templateStats());
    assert.equal([pasted.x, pasted.y], [31, 31], 'centred on the view (32, 32)');
  });

  browser.run();
}
