// Makes docs/screenshot.png: the client on an r/place-sized board with some art.
// Run after a build: node build/test/browser/screenshot.js
import { mkdirSync } from 'node:fs';
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
const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
await page.goto(`${app.httpUrl}/#board=place&x=500&y=420&zoom=1.05`);
await page.waitForFunction(() => (globalThis as any).__tessera?.state().fullyDrawnAt !== null);
await page.waitForFunction(() => (globalThis as any).__tessera.state().latencyMs !== null && (globalThis as any).__tessera.state().online > 0);
const p = await page.evaluate(() => (globalThis as any).__tessera.pagePoint(430, 190));
await page.mouse.move(p.x, p.y);
await page.waitForTimeout(300); // let the hover outline and status settle for the picture (not a test)
mkdirSync('docs', { recursive: true });
await page.screenshot({ path: 'docs/screenshot.png' });
await browser.close();
await app.stop();
console.log('wrote docs/screenshot.png');
