// The page at desktop and phone sizes: nothing wider than the window, the page
// itself never scrolls, every control reachable (in the window, or by scrolling
// its own panel), touch targets of at least 44 px on phones, the tile editor's
// buttons and canvas whole; and the order in which Tab visits the page.
import type { Page } from 'playwright-core';
import * as assert from 'uvu/assert';
import { browserSuite, clickPixel, clientState, openBoard, type BrowserContextState } from './support/browser.js';
import { checkFullyVisible, checkLayout, MIN_TOUCH_TARGET } from './support/layout.js';

const browser = browserSuite('browser: layout');

const PHONES = [
  { width: 360, height: 800 },
  { width: 390, height: 844 },
  { width: 414, height: 896 },
];

if (browser) {
  const { test } = browser;

  test('desktop 1280×800: everything inside the window, nothing cut', async (context) => {
    const page = await openBoard(context, '#board=place', { viewport: { width: 1280, height: 800 } });
    await page.click('#templates-toggle');
    assertNoProblems(await checkLayout(page), 'desktop');
    await assertTileEditorFits(context, { viewport: { width: 1280, height: 800 } }, 0);
  });

  for (const size of PHONES) {
    test(`phone ${size.width}×${size.height}: no overflow, whole status, every colour reachable, 44 px targets, the tile editor fits`, async (context) => {
      const page = await openBoard(context, '#board=place', { viewport: size, phone: true });
      await page.waitForFunction(() => /online$/.test((globalThis as any).__tessera.state().onlineText));
      assertNoProblems(await checkLayout(page, { minTarget: MIN_TOUCH_TARGET }), `phone ${size.width}`);
      for (const selector of ['#status-connection', '#status-online', '#status-cooldown']) {
        const problems = await checkFullyVisible(page, selector);
        assert.ok(problems.length === 0, problems.join('; '));
      }
      // The template panel's controls too, once opened.
      await page.click('#templates-toggle');
      assertNoProblems(await checkLayout(page, { minTarget: MIN_TOUCH_TARGET }), `phone ${size.width}, templates open`);
      await assertTileEditorFits(context, { viewport: size, phone: true }, MIN_TOUCH_TARGET);
    });
  }

  test('a short window: nothing scrolls on load, and Tab reaches the canvas within three presses', async (context) => {
    const page = await openBoard(context, '#board=place', { viewport: { width: 1000, height: 200 } });
    const scrolled = await page.evaluate(() => {
      const g = globalThis as any;
      return [g.document.scrollingElement, ...g.document.querySelectorAll('*')]
        .filter((el: any) => el.scrollTop !== 0 || el.scrollLeft !== 0)
        .map((el: any) => `${el.tagName}#${el.id}.${el.className}: ${el.scrollLeft},${el.scrollTop}`);
    });
    assert.equal(scrolled, [], 'nothing was scrolled by the page itself');
    const visited: string[] = [];
    for (let i = 0; i < 3 && visited.at(-1) !== 'board'; i++) {
      await page.keyboard.press('Tab');
      visited.push(await page.evaluate(() => (globalThis as any).document.activeElement?.id ?? ''));
    }
    assert.is(visited.at(-1), 'board', `Tab visited ${visited.join(', ')}`);
  });

  browser.run();
}

function assertNoProblems(report: { viewport: { width: number; height: number }; problems: string[] }, where: string): void {
  // One line per problem: uvu's diff of two arrays would bury them.
  assert.ok(report.problems.length === 0, `${where} (${report.viewport.width}×${report.viewport.height}):\n      ${report.problems.join('\n      ')}`);
}

/** Opens the tile editor and checks its canvas and buttons are whole on screen and its palette reachable. */
async function assertTileEditorFits(context: BrowserContextState, options: Parameters<typeof openBoard>[2], minTarget: number): Promise<void> {
  const page: Page = await openBoard(context, '#board=tiles&x=48&y=48&zoom=6', options);
  assert.is((await clientState(page)).tool, 'tile');
  await clickPixel(page, 40, 40);
  await page.waitForFunction(() => /Draw, fill/.test((globalThis as any).document.getElementById('tile-note').textContent));
  for (const selector of ['#tile-save', '#tile-cancel', '#tile-canvas']) {
    const problems = await checkFullyVisible(page, selector);
    assert.ok(problems.length === 0, problems.join('; '));
  }
  const canvas = (await page.locator('#tile-canvas').boundingBox())!;
  assert.ok(Math.abs(canvas.width - canvas.height) < 1, `the tile canvas is square (${canvas.width}×${canvas.height})`);
  assertNoProblems(await checkLayout(page, { minTarget, within: '#tile-editor' }), 'tile editor');
}
