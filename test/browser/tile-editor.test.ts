// The mosaic's tile editor: draw or upload, preview, save as one TILE_WRITE that
// other pages show.
import * as assert from 'uvu/assert';
import { browserSuite, clickPixel, clientState, openBoard, PALETTE16, screenColor, waitForScreenColor } from './support/browser.js';
import { makePng } from './support/images.js';

const browser = browserSuite('browser: tile editor');

if (browser) {
  const { test } = browser;

  test('a tile drawn in the editor is saved in one write and shows on another page', async (context) => {
    const editor = await openBoard(context, '#board=tiles&x=80&y=48&zoom=6');
    const viewer = await openBoard(context, '#board=tiles&x=80&y=48&zoom=6');
    assert.is((await clientState(editor)).tool, 'tile', 'boards with tiles start with the tile tool');
    await clickPixel(editor, 70, 40); // tile (2, 1): pixels 64–95 × 32–63
    await editor.waitForFunction(() => (globalThis as any).__tessera.state().tileEditorOpen);
    await editor.waitForFunction(() => /Draw, fill/.test((globalThis as any).document.getElementById('tile-note').textContent));

    // Fill the whole (blank) tile with colour 10, then one brush pixel of colour 6 at its top-left.
    await editor.click('#tile-palette .swatch:nth-child(10)');
    await editor.click('[data-tile-tool="fill"]');
    const box = (await editor.locator('#tile-canvas').boundingBox())!;
    const cell = box.width / 32;
    await editor.mouse.click(box.x + cell * 10.5, box.y + cell * 10.5);
    await editor.click('[data-tile-tool="brush"]');
    await editor.click('#tile-palette .swatch:nth-child(6)');
    await editor.mouse.click(box.x + cell * 0.5, box.y + cell * 0.5);
    assert.is(context.app.canvas!.boards[3]!.getPixel(64, 32), 0, 'nothing is written before Save');

    await editor.click('#tile-save');
    await editor.waitForFunction(() => !(globalThis as any).__tessera.state().tileEditorOpen);
    const saved = await clientState(editor);
    assert.ok(saved.toasts.includes('Tile (2, 1) saved: 1024 pixels in 2 colours'), saved.toasts.join(' | '));
    assert.ok(saved.announcements.includes('Tile (2, 1) saved: 1024 pixels in 2 colours'), 'announced with its colours');
    assert.not.ok(saved.announcements.some((a) => a.startsWith('Placed colour')), 'not as one colour');
    await waitForScreenColor(viewer, 64, 32, PALETTE16[5]!);
    await waitForScreenColor(viewer, 95, 63, PALETTE16[9]!);
    assert.is(await screenColor(viewer, 96, 63), PALETTE16[0], 'the next tile is untouched');
    const board = context.app.canvas!.boards[3]!;
    assert.is(board.getPixel(65, 32), 9);
    assert.is(board.getPixel(64, 32), 5);
  });

  test('an uploaded image is resized to the tile, quantised to the palette and previewed before saving', async (context) => {
    const page = await openBoard(context, '#board=tiles&x=128&y=128&zoom=4');
    await clickPixel(page, 130, 130); // tile (4, 4)
    await page.waitForFunction(() => /Draw, fill/.test((globalThis as any).document.getElementById('tile-note')?.textContent ?? ''));
    // 100×100: left half close to red (#E50000), right half close to blue (#0000EA).
    const png = makePng(100, 100, (x) => (x < 50 ? [230, 10, 5, 255] : [5, 0, 230, 255]));
    await page.setInputFiles('#tile-upload', { name: 'photo.png', mimeType: 'image/png', buffer: png });
    await page.waitForFunction(() => /^Preview/.test((globalThis as any).document.getElementById('tile-note').textContent));
    const colors = await page.evaluate(() => [...(globalThis as any).__tessera.app.tileEditor.colors] as number[]);
    assert.is(colors[0], 5);
    assert.is(colors[31], 13);
    assert.is(colors[32 * 31 + 2], 5);
    assert.is(context.app.canvas!.boards[3]!.getPixel(128, 128), 0, 'a preview only');
    await page.click('#tile-save');
    await page.waitForFunction(() => !(globalThis as any).__tessera.state().tileEditorOpen);
    await waitForScreenColor(page, 159, 130, PALETTE16[13]!);
    assert.is(context.app.canvas!.boards[3]!.getPixel(128, 140), 5);
  });

  test('a brush drag draws a line without gaps, however fast', async (context) => {
    const page = await openBoard(context, '#board=tiles&x=48&y=176&zoom=6');
    await clickPixel(page, 40, 170); // tile (1, 5)
    await page.waitForFunction(() => /Draw, fill/.test((globalThis as any).document.getElementById('tile-note').textContent));
    await page.click('#tile-palette .swatch:nth-child(6)');
    const box = (await page.locator('#tile-canvas').boundingBox())!;
    const cell = box.width / 32;
    await page.mouse.move(box.x + cell * 2.5, box.y + cell * 3.5);
    await page.mouse.down();
    await page.mouse.move(box.x + cell * 28.5, box.y + cell * 3.5, { steps: 2 });
    await page.mouse.up();
    const row = await page.evaluate(() => [...(globalThis as any).__tessera.app.tileEditor.colors.slice(3 * 32, 4 * 32)] as number[]);
    assert.equal(row.slice(2, 29), new Array(27).fill(5), 'every cell from 2 to 28');
    assert.is(row[1], 0);
    assert.is(row[29], 0);
  });

  test('a tile saved by someone else a moment ago: the refusal is shown once, above the dialog, and its wait counted down', async (context) => {
    const first = await openBoard(context, '#board=tiles&x=176&y=176&zoom=6');
    await clickPixel(first, 170, 170); // tile (5, 5)
    await first.waitForFunction(() => /Draw, fill/.test((globalThis as any).document.getElementById('tile-note').textContent));
    await first.click('#tile-save');
    await first.waitForFunction(() => !(globalThis as any).__tessera.state().tileEditorOpen);

    const page = await openBoard(context, '#board=tiles&x=176&y=176&zoom=6');
    await clickPixel(page, 170, 170);
    await page.waitForFunction(() => /Draw, fill/.test((globalThis as any).document.getElementById('tile-note').textContent));
    await page.click('#tile-save');
    await page.waitForFunction(() => (globalThis as any).__tessera.state().toasts.length > 0 && (globalThis as any).__tessera.state().pendingRequests === 0);
    const toasts = await page.evaluate(() => [...(globalThis as any).document.querySelectorAll('.toast')].map((t: any) => t.textContent));
    assert.is(toasts.length, 1, `one message: ${toasts.join(' | ')}`);
    assert.match(toasts[0]!, /^Tile not saved: Too fast/);
    const onTop = await page.evaluate(() => {
      const g = globalThis as any;
      const toast = g.document.querySelector('.toast');
      toast.style.pointerEvents = 'auto'; // toasts let clicks through; for this hit test they must not
      const r = toast.getBoundingClientRect();
      return toast.contains(g.document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2));
    });
    assert.ok(onTop, 'the toast is above the dialog\'s backdrop');
    assert.ok((await clientState(page)).tileEditorOpen, 'the editor stays open with the drawing');
    await page.waitForFunction(() => /can be saved again in \d/.test((globalThis as any).document.getElementById('tile-note').textContent));
    assert.ok(await page.evaluate(() => (globalThis as any).document.getElementById('tile-save').disabled), 'Save waits for the tile');
    assert.match((await clientState(page)).cooldown, /^Tile \(5, 5\): wait \d/);
  });

  browser.run();
}
