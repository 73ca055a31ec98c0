// Makes the screenshots of the README and docs/CLIENT.md: the client on the
// default boards (config/default.json), r/place with some art, on a desktop and
// on a phone, dark and light. Not a test (npm test does not run it).
// Run after a build: node build/test/browser/screenshot.js
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { DEFAULT_CONFIG_PATH, loadAppConfig } from '../../src/config/load.js';
import { startApp } from '../support/server.js';
import { launchChromium, TEST_PUBLIC_DIR } from './support/browser.js';

const FONT: Record<string, string[]> = {
  T: ['11111', '00100', '00100', '00100', '00100', '00100', '00100'],
  E: ['11111', '10000', '10000', '11110', '10000', '10000', '11111'],
  S: ['01111', '10000', '10000', '01110', '00001', '00001', '11110'],
  R: ['11110', '10001', '10001', '11110', '10100', '10010', '10001'],
  A: ['01110', '10001', '10001', '11111', '10001', '10001', '10001'],
};
const HEART = ['0110110', '1111111', '1111111', '1111111', '0111110', '0011100', '0001000'];

interface Shot {
  file: string;
  viewport: { width: number; height: number };
  phone?: boolean;
  colorScheme?: 'dark' | 'light';
  firstVisit?: boolean;
  hash: string;
  /** What to do once the board is drawn, before the picture. */
  act?: (page: Page) => Promise<void>;
}

const at = (page: Page, x: number, y: number): Promise<{ x: number; y: number }> =>
  page.evaluate(([px, py]) => (globalThis as any).__tessera.pagePoint(px, py), [x, y] as const);

const SHOTS: Shot[] = [
  {
    // The whole board nearly, the pointer on the T of TESSERA with its reticle and colour.
    file: 'docs/screenshot.png',
    viewport: { width: 1280, height: 800 },
    hash: '#board=place&x=500&y=420&zoom=1.05',
    act: async (page) => {
      await page.click('#palette .swatch[data-index="5"]');
      const p = await at(page, 430, 190);
      await page.mouse.move(p.x, p.y);
    },
  },
  {
    // A phone, close up: a pixel just placed by a tap, its cooldown next to it.
    file: 'docs/screenshot-phone.png',
    viewport: { width: 390, height: 844 },
    phone: true,
    hash: '#board=place&x=628&y=300&zoom=10',
    act: async (page) => {
      await page.click('#palette .swatch[data-index="13"]');
      const p = await at(page, 633, 304);
      await page.touchscreen.tap(p.x, p.y);
      await page.waitForFunction(() => /^\d\.\d s$/.test((globalThis as any).__tessera.state().badge));
    },
  },
  {
    // A first visit, in the light scheme: the how-to over the board.
    file: 'docs/screenshot-light.png',
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
    firstVisit: true,
    hash: '#board=place&x=640&y=330&zoom=2.5',
  },
];

const app = await startApp({ publicDir: TEST_PUBLIC_DIR }, loadAppConfig(DEFAULT_CONFIG_PATH));
const board = app.canvas!.boards[0]!;
const put = (x: number, y: number, c: number) => {
  if (x >= 0 && y >= 0 && x < 1000 && y < 1000) board.setPixel(x, y, c);
};
const block = (x0: number, y0: number, scale: number, rows: string[], c: number) =>
  rows.forEach((row, y) => [...row].forEach((bit, x) => {
    if (bit === '1') for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) put(x0 + x * scale + dx, y0 + y * scale + dy, c);
  }));

// A rainbow of diagonal stripes, a sunset disc, the name, hearts and some noise, as a crowd would.
for (let y = 0; y < 1000; y++) for (let x = 0; x < 1000; x++) if ((x + y) % 160 < 40 && y > 560) put(x, y, [5, 6, 8, 10, 12, 13, 15][Math.floor((x + y) / 160) % 7]!);
for (let y = 0; y < 1000; y++) for (let x = 0; x < 1000; x++) {
  const d = Math.hypot(x - 720, y - 300);
  if (d < 150) put(x, y, d < 60 ? 8 : d < 100 ? 6 : 5);
}
'TESSERA'.split('').forEach((ch, i) => block(120 + i * 60, 150, 8, FONT[ch]!, 3));
for (let i = 0; i < 9; i++) block(130 + i * 60, 260, 6, HEART, i % 2 ? 4 : 5);
for (let y = 380; y < 520; y++) for (let x = 100; x < 560; x++) if (((x >> 4) + (y >> 4)) % 2 === 0) put(x, y, (x >> 4) % 3 === 0 ? 11 : 12);
let seed = 7;
for (let i = 0; i < 6000; i++) {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  put(seed % 1000, (seed >> 10) % 1000, seed % 16);
}

const browser = await launchChromium();
mkdirSync('docs', { recursive: true });
for (const shot of SHOTS) {
  const context = await browser.newContext({
    viewport: shot.viewport,
    isMobile: shot.phone ?? false,
    hasTouch: shot.phone ?? false,
    deviceScaleFactor: shot.phone ? 2 : 1,
    colorScheme: shot.colorScheme ?? 'dark',
  });
  if (!shot.firstVisit) await context.addInitScript(() => (globalThis as any).localStorage.setItem('tessera.welcomed', '1'));
  const page = await context.newPage();
  await page.goto(`${app.httpUrl}/${shot.hash}`);
  await page.waitForFunction(() => (globalThis as any).__tessera?.state().fullyDrawnAt !== null);
  await page.waitForFunction(() => (globalThis as any).__tessera.state().latencyMs !== null && (globalThis as any).__tessera.state().online > 0);
  await shot.act?.(page);
  await page.waitForTimeout(300); // let the reticle, the minimap and the status settle for the picture (not a test)
  await page.screenshot({ path: shot.file });
  await context.close();
  console.log(`wrote ${shot.file}`);
}
await browser.close();
await app.stop();
