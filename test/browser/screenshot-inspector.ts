// Makes docs/screenshot-inspector.png for the README: the wire inspector after
// a pixel was placed in another tab, the PLACE frame opened and the pointer on
// its x field. Not a test (npm test does not run it).
// Run after a build: node build/test/browser/screenshot-inspector.js
import { smallConfig } from '../support/canvas-client.js';
import { startApp } from '../support/server.js';
import { launchChromium, TEST_PUBLIC_DIR } from './support/browser.js';

const app = await startApp({ publicDir: TEST_PUBLIC_DIR }, smallConfig());
const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, colorScheme: 'dark' });
  await context.addInitScript(() => (globalThis as any).localStorage.setItem('tessera.welcomed', '1'));
  const inspector = await context.newPage();
  await inspector.goto(`${app.httpUrl}/inspect`);
  await inspector.waitForSelector('#status[data-state="open"]');
  const board = await context.newPage();
  await board.goto(`${app.httpUrl}/#board=free&x=32&y=32&zoom=8`);
  await board.waitForFunction(() => (globalThis as any).__tessera?.ready() && (globalThis as any).__tessera.state().fullyDrawnAt !== null);
  await board.click('#palette .swatch[data-index="5"]');
  const p = await board.evaluate(() => (globalThis as any).__tessera.pagePoint(10, 12));
  await board.mouse.click(p.x, p.y);
  await inspector.bringToFront();
  const frame = inspector.locator('details.frame[data-from="client"]', { has: inspector.locator('[data-tessera="PLACE"]') });
  await frame.waitFor({ state: 'attached' });
  await inspector.evaluate(() => {
    const g = globalThis as any;
    g.document.querySelectorAll('details.open').forEach((d: any) => (d.open = false));
    g.document.getElementById('show-server').click(); // the client's frames only: the PLACE stands out
  });
  await frame.evaluate((node) => {
    (node as any).open = true;
    (node as any).scrollIntoView({ block: 'start' });
  });
  await frame.locator('table.tessera tr[data-field="x"]').hover();
  await inspector.screenshot({ path: 'docs/screenshot-inspector.png' });
  console.log('wrote docs/screenshot-inspector.png');
} finally {
  await browser.close();
  await app.stop();
}
