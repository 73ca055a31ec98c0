// The page at desktop and phone sizes: nothing wider than the window, the page
// itself never scrolls, every control reachable (in the window, or by scrolling
// its own panel), touch targets of at least 44 px on phones, the tile editor's
// buttons and canvas whole; and the order in which Tab visits the page.
import type { Page } from 'playwright-core';
import pngjs from 'pngjs';
import * as assert from 'uvu/assert';
import { browserSuite, clickPixel, clientState, openBoard } from './support/browser.js';
import { checkFullyVisible, checkLayout, MIN_TOUCH_TARGET } from './support/layout.js';

const { PNG } = pngjs;
const browser = browserSuite('browser: layout');

const PHONES = [
  { width: 360, height: 800 },
  { width: 390, height: 844 },
  { width: 414, height: 896 },
];

if (browser) {
  const { test } = browser;

  // The tile board shows every control there is (its Tile and Draw buttons too).
  test('desktop 1280×800: everything inside the window, nothing cut', async (context) => {
    const page = await openBoard(context, '#board=tiles&x=48&y=48&zoom=6', { viewport: { width: 1280, height: 800 } });
    await page.click('#templates-toggle');
    assertNoProblems(await checkLayout(page), 'desktop');
    await assertTileEditorFits(page, 0);
  });

  for (const size of PHONES) {
    test(`phone ${size.width}×${size.height}: no overflow, whole status, every colour reachable, 44 px targets, the tile editor fits`, async (context) => {
      const page = await openBoard(context, '#board=tiles&x=48&y=48&zoom=6', { viewport: size, phone: true });
      await page.waitForFunction(() => /online$/.test((globalThis as any).__tessera.state().onlineText));
      assertNoProblems(await checkLayout(page, { minTarget: MIN_TOUCH_TARGET }), `phone ${size.width}`);
      for (const selector of ['#status-connection', '#status-online', '#status-cooldown']) {
        const problems = await checkFullyVisible(page, selector);
        assert.ok(problems.length === 0, problems.join('; '));
      }
      // The template panel's controls too, once opened.
      await page.click('#templates-toggle');
      assertNoProblems(await checkLayout(page, { minTarget: MIN_TOUCH_TARGET }), `phone ${size.width}, templates open`);
      await assertTileEditorFits(page, MIN_TOUCH_TARGET);
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

  test('many colours: the palettes scroll by themselves and show it, on a desktop and a phone', async (context) => {
    for (const options of [{ viewport: { width: 1280, height: 800 } }, { viewport: PHONES[0]!, phone: true }]) {
      const page = await openBoard(context, '#board=many&x=32&y=32&zoom=8', options);
      const where = `${options.viewport.width} px`;
      assertNoProblems(await checkLayout(page, { minTarget: options.phone ? MIN_TOUCH_TARGET : 0 }), `many colours, ${where}`);
      await clickPixel(page, 20, 20);
      await page.waitForFunction(() => /Draw, fill/.test((globalThis as any).document.getElementById('tile-note').textContent));
      const palette = await page.evaluate(() => {
        const g = globalThis as any;
        const list = g.document.getElementById('tile-palette');
        return { overflowY: g.getComputedStyle(list).overflowY, scrollHeight: list.scrollHeight, clientHeight: list.clientHeight };
      });
      assert.ok(palette.scrollHeight > palette.clientHeight, `${where}: the tile palette is taller than its box`);
      assert.is(palette.overflowY, 'scroll', `${where}: its scroll bar always shows, so it reads as scrollable`);
      assertNoProblems(await checkLayout(page, { minTarget: options.phone ? MIN_TOUCH_TARGET : 0, within: '#tile-editor' }), `tile editor, many colours, ${where}`);
    }
  });

  test('dark and light follow the system; near-black and near-white swatches keep a visible edge', async (context) => {
    for (const colorScheme of ['dark', 'light'] as const) {
      const page = await openBoard(context, '#board=many&x=32&y=32&zoom=8', { colorScheme });
      const backgrounds = await page.evaluate(() => {
        const g = globalThis as any;
        return [g.getComputedStyle(g.document.body).backgroundColor, g.getComputedStyle(g.document.querySelector('.toolbar')).backgroundColor];
      });
      const [page_, panel] = backgrounds.map(luminance);
      if (colorScheme === 'dark') assert.ok(page_! < 0.1 && panel! < 0.1, `dark: ${backgrounds}`);
      else assert.ok(page_! > 0.6 && panel! > 0.6, `light: ${backgrounds}`);
      // Every swatch, as drawn: its outermost ring of pixels must stand out from the panel around it.
      const shot = PNG.sync.read(await page.locator('#palette').screenshot());
      const panelRgb = parseRgb(backgrounds[1]!);
      const boxes = await page.evaluate(() => {
        const g = globalThis as any;
        const list = g.document.getElementById('palette').getBoundingClientRect();
        return [...g.document.querySelectorAll('#palette .swatch')].map((s: any) => {
          const r = s.getBoundingClientRect();
          return { x: r.left - list.left, y: r.top - list.top, w: r.width, h: r.height, hex: s.style.backgroundColor };
        });
      });
      const faint: string[] = [];
      for (const box of boxes) {
        if (box.y + box.h > shot.height) continue; // scrolled out of the palette's box
        const i = (Math.floor(box.y + box.h / 2) * shot.width + Math.floor(box.x + 0.5)) * 4;
        const edge: [number, number, number] = [shot.data[i]!, shot.data[i + 1]!, shot.data[i + 2]!];
        if (contrast(edge, panelRgb) < 1.6) faint.push(`${box.hex} (edge ${edge})`);
      }
      assert.equal(faint, [], `${colorScheme}: swatches whose edge melts into the panel`);
    }
  });

  test('first visit: a how-to that stays dismissed; ? opens every control in a dialog; focus rings show', async (context) => {
    const page = await openBoard(context, '#board=place', { firstVisit: true });
    assert.ok(await page.isVisible('#welcome'), 'the how-to shows on a first visit');
    await page.click('#welcome-close');
    assert.not.ok(await page.isVisible('#welcome'));
    await page.reload();
    await page.waitForFunction(() => (globalThis as any).__tessera?.ready());
    assert.not.ok(await page.isVisible('#welcome'), 'and stays dismissed');

    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Controls' });
    assert.ok(await dialog.isVisible(), '? opens the list of controls');
    const text = await dialog.textContent();
    for (const control of ['Enter', 'Draw mode', 'Minimap', 'Esc']) assert.ok(text!.includes(control), `it lists ${control}`);
    await page.keyboard.press('Escape');
    assert.not.ok(await dialog.isVisible(), 'Esc closes it');
    await page.click('#help-button');
    assert.ok(await dialog.isVisible(), 'so does the ? button');
    await page.click('#help-close');

    // Keyboard focus is always visible: Tab through the first controls and check each ring.
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      const ring = await page.evaluate(() => {
        const g = globalThis as any;
        const el = g.document.activeElement;
        const style = g.getComputedStyle(el);
        return { id: el.id || el.getAttribute('aria-label'), outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
      });
      assert.ok(ring.outline !== 'none' && ring.width >= 2, `${ring.id} shows a focus ring (${ring.outline} ${ring.width}px)`);
    }
  });

  browser.run();
}

function parseRgb(css: string): [number, number, number] {
  const [r, g, b] = css.match(/\d+(\.\d+)?/g)!.map(Number);
  return [r!, g!, b!];
}

/** Relative luminance (WCAG) of an rgb() colour or an [r, g, b] triple. */
function luminance(colour: string | [number, number, number]): number {
  const rgb = typeof colour === 'string' ? parseRgb(colour) : colour;
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** WCAG contrast ratio of two colours (1 to 21). */
function contrast(a: [number, number, number], b: [number, number, number]): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

function assertNoProblems(report: { viewport: { width: number; height: number }; problems: string[] }, where: string): void {
  // One line per problem: uvu's diff of two arrays would bury them.
  assert.ok(report.problems.length === 0, `${where} (${report.viewport.width}×${report.viewport.height}):\n      ${report.problems.join('\n      ')}`);
}

/** Opens the tile editor and checks its canvas and buttons are whole on screen and its palette reachable. */
async function assertTileEditorFits(page: Page, minTarget: number): Promise<void> {
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
