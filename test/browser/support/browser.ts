// Browser tests drive Debian's Chromium (headless) with playwright-core against
// the real server, started in-process. Without Chromium the suites register no
// tests and say so in one line, except under CI, where a missing browser fails.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import * as assert from 'uvu/assert';
import { suite, type Test } from 'uvu';
import { parseAppConfig, type AppConfig } from '../../../src/config/load.js';
import { startApp, type RunningServer } from '../../support/server.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
/** The test build of the client (scripts/build.mjs): the production client plus window.__tessera. */
export const TEST_PUBLIC_DIR = 'build/public-test';

let skipReported = false;

export interface BrowserContextState {
  app: RunningServer;
  browser: Browser;
  contexts: BrowserContext[];
  /** Uncaught errors and console errors of every page, checked after each test. */
  pageErrors: string[];
}

export type BrowserTest = (name: string, handler: (context: BrowserContextState) => Promise<void>) => void;

/**
 * A uvu suite with a running server and browser in its context, or null (with
 * one line saying why) when Chromium is missing outside CI. Each test closes its
 * pages afterwards and fails if a page threw or logged an error.
 */
export function browserSuite(name: string, config: AppConfig = testBoards()): { test: BrowserTest; run: () => void } | null {
  if (!existsSync(CHROMIUM_PATH)) {
    if (process.env.CI) {
      const failing = suite(name);
      failing(`Chromium is required under CI (${CHROMIUM_PATH})`, () => {
        assert.unreachable(`browser tests need Chromium at ${CHROMIUM_PATH}: apt-get install chromium`);
      });
      failing.run();
      return null;
    }
    if (!skipReported) console.log(`browser tests skipped: no Chromium at ${CHROMIUM_PATH}`);
    skipReported = true;
    return null;
  }
  const uvuSuite: Test<BrowserContextState> = suite<BrowserContextState>(name, {} as BrowserContextState);
  // uvu swallows an exception thrown by a hook (the suite just reports 0 passed),
  // so a failed start is printed here and fails the run.
  uvuSuite.before(async (context) => {
    try {
      context.app = await startApp({ publicDir: TEST_PUBLIC_DIR }, config);
      context.browser = await launchChromium();
      context.contexts = [];
      context.pageErrors = [];
    } catch (err) {
      console.error(`browser suite "${name}" could not start:`, err);
      process.exitCode = 1;
      throw err;
    }
  });
  uvuSuite.after(async (context) => {
    await context.browser?.close();
    await context.app?.stop();
  });
  const test: BrowserTest = (testName, handler) =>
    uvuSuite(testName, async (context) => {
      try {
        await handler(context);
        assert.equal(context.pageErrors, [], 'the pages logged errors');
      } finally {
        context.pageErrors.splice(0);
        for (const c of context.contexts.splice(0)) await c.close();
      }
    });
  return { test, run: () => uvuSuite.run() };
}

export function launchChromium(): Promise<Browser> {
  // Playwright makes a fresh temporary profile (user data dir) per launch by itself,
  // and refuses --user-data-dir in args; its own browser download is never used.
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface OpenOptions {
  /** CSS pixels; 1000×700 unless given. */
  viewport?: { width: number; height: number };
  /** A phone: isMobile (the meta viewport applies), touch events, device pixel ratio 2. */
  phone?: boolean;
  colorScheme?: 'light' | 'dark';
  /** Open the page in this browser context (same cookies, so the same session) instead of a new one. */
  sameContextAs?: Page;
  /** A first visit shows the how-to; the tests open pages as returning visitors unless this is true. */
  firstVisit?: boolean;
}

/**
 * Opens the client on a board in a new browser context (its own cookies, so its
 * own session) and waits until it is connected and showing that board, every chunk
 * on screen drawn (a click before its chunk came would find nothing to place on).
 */
export async function openBoard(context: BrowserContextState, hash: string, options: OpenOptions = {}): Promise<Page> {
  const page = await newPage(context, options);
  await page.goto(`${context.app.httpUrl}/${hash}`);
  const board = new URLSearchParams(hash.replace(/^#/, '')).get('board');
  await page.waitForFunction((id) => {
    const t = (globalThis as any).__tessera;
    const s = t?.ready() && t.state();
    return s && (id === null || s.board === id) && (s.fullyDrawnAt !== null || !s.live);
  }, board);
  return page;
}

/** A blank page with the test hooks' error checks, in a new browser context or an existing one. */
export async function newPage(context: BrowserContextState, options: OpenOptions = {}): Promise<Page> {
  let browserContext = options.sameContextAs?.context();
  if (browserContext === undefined) {
    const { viewport = { width: 1000, height: 700 }, phone = false, colorScheme = 'dark' } = options;
    browserContext = await context.browser.newContext({ viewport, isMobile: phone, hasTouch: phone, deviceScaleFactor: phone ? 2 : 1, colorScheme });
    context.contexts.push(browserContext);
    if (options.firstVisit !== true) await browserContext.addInitScript(() => (globalThis as any).localStorage.setItem('tessera.welcomed', '1'));
  }
  const page = await browserContext.newPage();
  page.on('pageerror', (error) => context.pageErrors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') context.pageErrors.push(`console: ${message.text()}`);
  });
  return page;
}

const PALETTE16 = ['#FFFFFF', '#E4E4E4', '#888888', '#222222', '#FFA7D1', '#E50000', '#E59500', '#A06A42', '#E5D900', '#94E044', '#02BE01', '#00D3DD', '#0083C7', '#0000EA', '#CF6EE4', '#820080'];
const FREE = { key: 'ip', capacity: 65535, refillPerSecond: 1e6, unit: 'pixel' };
const hex2 = (v: number) => v.toString(16).padStart(2, '0').toUpperCase();
/** config/tessera.json's mosaic palette: 6×6×6 web colours, then 40 greys from #060606 up. */
const PALETTE256 = [
  ...Array.from({ length: 216 }, (_, i) => `#${hex2(Math.floor(i / 36) * 51)}${hex2((Math.floor(i / 6) % 6) * 51)}${hex2((i % 6) * 51)}`),
  ...Array.from({ length: 40 }, (_, i) => hex2(Math.round(((i + 1) * 255) / 41))).map((g) => `#${g}${g}${g}`),
];

/** The boards of the browser tests. */
export function testBoards(): AppConfig {
  const free = { strokes: true, maxBatch: 1000, tileWrites: false, buckets: [FREE] };
  return parseAppConfig({
    server: { tickRateHz: 60 },
    boards: [
      // r/place's size, without its cooldown: for load and frame times, and the screenshot.
      { id: 'place', title: 'r/place', width: 1000, height: 1000, chunkSize: 100, palette: PALETTE16, background: 0, policy: { ...free, strokes: false, maxBatch: 1 } },
      { id: 'free', title: 'Free', width: 64, height: 64, chunkSize: 16, palette: PALETTE16, background: 0, policy: free },
      // One pixel per session every 5 s, like r/place.
      { id: 'strict', title: 'Strict', width: 64, height: 64, chunkSize: 16, palette: PALETTE16, background: 0,
        policy: { strokes: false, maxBatch: 1, tileWrites: false, buckets: [{ key: 'session', capacity: 1, refillPerSecond: 0.2, unit: 'pixel' }, FREE] } },
      // The mosaic's rules, faster: each tile once per 10 s, whoever writes it.
      { id: 'tiles', title: 'Tiles', width: 256, height: 256, chunkSize: 64, palette: PALETTE16, background: 0, tileSize: 32,
        policy: { strokes: true, maxBatch: 1024, tileWrites: true, buckets: [{ key: 'ip', capacity: 1000, refillPerSecond: 1000, unit: 'write' }, { key: 'tile', capacity: 1, refillPerSecond: 0.1, unit: 'write' }] } },
      // Too many chunks to hold at once: the overview pyramid shows it zoomed out.
      { id: 'huge', title: 'Huge', width: 4096, height: 4096, chunkSize: 32, palette: PALETTE16, background: 0, policy: free },
      // Strokes with a small quota that barely refills (like "pixels" once its buckets are spent).
      { id: 'limited', title: 'Limited', width: 64, height: 64, chunkSize: 16, palette: PALETTE16, background: 0,
        policy: { strokes: true, maxBatch: 5, tileWrites: false, buckets: [{ key: 'session', capacity: 10, refillPerSecond: 0.05, unit: 'pixel' }, FREE] } },
      // One pixel per session every 0.6 s: a cooldown that ends within a test.
      { id: 'quick', title: 'Quick', width: 64, height: 64, chunkSize: 16, palette: PALETTE16, background: 0,
        policy: { strokes: false, maxBatch: 1, tileWrites: false, buckets: [{ key: 'session', capacity: 1, refillPerSecond: 1 / 0.6, unit: 'pixel' }, FREE] } },
      // The mosaic's palette (216 web colours and 40 greys down to near-black) on a small tile board.
      { id: 'many', title: 'Many colours', width: 64, height: 64, chunkSize: 32, palette: PALETTE256, background: 215, tileSize: 16,
        policy: { strokes: true, maxBatch: 1000, tileWrites: true, buckets: [{ key: 'ip', capacity: 1000, refillPerSecond: 1000, unit: 'write' }] } },
    ],
  });
}

/** Page coordinates of board pixel (x, y)'s centre. */
export function pagePoint(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  return page.evaluate(([px, py]) => (globalThis as any).__tessera.pagePoint(px, py), [x, y] as const);
}

export async function clickPixel(page: Page, x: number, y: number): Promise<void> {
  const p = await pagePoint(page, x, y);
  await page.mouse.click(p.x, p.y);
}

/** Waits until the canvas shows `hex` at board pixel (x, y) (read back from the canvas). */
export async function waitForScreenColor(page: Page, x: number, y: number, hex: string): Promise<void> {
  await page.waitForFunction(([px, py, want]) => (globalThis as any).__tessera.screenColor(px, py) === want, [x, y, hex] as const);
}

/** The canvas's colour at board pixel (x, y), at fraction (fx, fy) inside it (the centre by default). */
export function screenColor(page: Page, x: number, y: number, fx = 0.5, fy = 0.5): Promise<string | null> {
  return page.evaluate(([px, py, ffx, ffy]) => (globalThis as any).__tessera.screenColor(px, py, ffx, ffy), [x, y, fx, fy] as const);
}

export interface ClientState {
  board: string | null;
  connection: string;
  latencyMs: number | null;
  online: number | null;
  cooldown: string;
  connectionText: string;
  latencyText: string;
  onlineText: string;
  hoverText: string;
  subscribed: number[];
  sentSubscribes: number;
  sentUnsubscribes: number;
  live: boolean;
  loadedChunks: number;
  selectedAt: number | null;
  fullyDrawnAt: number | null;
  framesDrawn: number;
  pendingRequests: number;
  pendingPixels: number;
  selectedColor: number;
  tool: string;
  view: { x: number; y: number; zoom: number };
  cursor: { x: number; y: number } | null;
  reticle: { x: number; y: number } | null;
  /** The badge next to the reticle ('' when hidden). */
  badge: string;
  drawMode: boolean;
  /** ACK flashes started. */
  flashes: number;
  toasts: string[];
  toastsOnScreen: { text: string; count: number }[];
  announcements: string[];
  tileEditorOpen: boolean;
  hash: string;
}

export function clientState(page: Page): Promise<ClientState> {
  return page.evaluate(() => (globalThis as any).__tessera.state());
}

/** Selects a palette colour through its button. */
export async function pickColor(page: Page, index: number): Promise<void> {
  await page.click(`#palette .swatch[data-index="${index}"]`);
}

export { PALETTE16 };
