// The wire inspector in Chromium: the page at /inspect shows the frame of a
// pixel placed by clicking the canvas in another tab of the same browser
// (same session), decoded, with its 4-byte masking key; another browser's
// (another session's) frames never appear.
import type { Page } from 'playwright-core';
import * as assert from 'uvu/assert';
import { browserSuite, clickPixel, newPage, openBoard, pickColor } from './support/browser.js';

const browser = browserSuite('browser: wire inspector');

/** The Tessera fields of every client→server PLACE the inspector shows: name → value. */
function shownPlaces(inspector: Page): Promise<Record<string, string>[]> {
  return inspector.$$eval('details.frame[data-from="client"]', (frames) =>
    frames
      .filter((frame) => frame.querySelector('[data-tessera="PLACE"]') !== null)
      .map((frame) => Object.fromEntries(
        [...frame.querySelectorAll('table.tessera tbody tr')].map((row) => [(row as any).dataset.field, row.querySelector('.value')!.textContent!]),
      )),
  );
}

if (browser) {
  const { test } = browser;

  test('the inspector shows your click as a masked PLACE frame, field by field, and nobody else\'s', async (context) => {
    const inspector = await newPage(context);
    await inspector.goto(`${context.app.httpUrl}/inspect`);
    await inspector.waitForSelector('#status[data-state="open"]');

    // The canvas, opened after the inspector in the same browser: its handshake is shown too.
    const board = await openBoard(context, '#board=free&x=32&y=32&zoom=8', { sameContextAs: inspector });
    await pickColor(board, 5);
    await clickPixel(board, 10, 12);
    await inspector.waitForSelector('details.frame[data-from="client"] [data-tessera="PLACE"]', { state: 'attached' });
    const [place] = await shownPlaces(inspector);
    assert.equal([place!['board'], place!['x'], place!['y'], place!['color']], ['1', '10', '12', '5']);

    const frame = inspector.locator('details.frame[data-from="client"]', { has: inspector.locator('[data-tessera="PLACE"]') });
    const maskKey = await frame.locator('[data-mask-key]').getAttribute('data-mask-key');
    assert.match(maskKey!, /^[0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2} [0-9a-f]{2}$/, 'a masking key of 4 bytes');
    assert.ok(await frame.locator('tr[data-field="MASK"] .value').textContent() === '1');

    // Pointing at a field lights its bytes: x is bytes 6–7 of the message.
    await frame.evaluate((node) => ((node as any).open = true));
    await frame.locator('table.tessera tr[data-field="x"]').hover();
    const lit = await frame.locator('table.tessera').evaluate((table) =>
      [...table.previousElementSibling!.previousElementSibling!.querySelectorAll('.lit')].map((cell) => (cell as any).dataset.index),
    );
    assert.equal(lit, ['6', '7']);

    // The handshake, and Sec-WebSocket-Accept step by step.
    const handshake = await inspector.locator('details.open[open]').first().textContent();
    assert.match(handshake!, /GET \/ws HTTP\/1\.1/);
    assert.match(handshake!, /HTTP\/1\.1 101 Switching Protocols/);
    assert.match(handshake!, /258EAFA5-E914-47DA-95CA-C5AB0DC85B11/);
    assert.match(handshake!, /tessera_session=…/);

    // Someone else, in another browser, places a pixel our board shows: we get its DIFF, never its PLACE.
    const stranger = await openBoard(context, '#board=free&x=32&y=32&zoom=8');
    await pickColor(stranger, 7);
    await clickPixel(stranger, 20, 21);
    await inspector.waitForFunction(() =>
      [...(globalThis as any).document.querySelectorAll('details.frame[data-from="server"]')].some((frame: any) =>
        frame.querySelector('[data-tessera="DIFF"]') !== null && frame.querySelector('table.tessera')!.textContent!.includes(', 7'),
      ),
    );
    const places = await shownPlaces(inspector);
    assert.is(places.length, 1, 'only our own PLACE');
    assert.is(await inspector.locator('details.open').count(), 1, 'only our own connection');
  });

  browser.run();
}
