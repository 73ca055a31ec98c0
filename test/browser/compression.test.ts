// Chromium, which always offers permessage-deflate, on /echo (the extension as
// the browser asks for it, context takeover both ways) and on /ws (the
// broadcaster's policy: no context takeover either way).
import type { Page } from 'playwright-core';
import * as assert from 'uvu/assert';
import { exchange, parseResponses } from '../support/raw.js';
import { MessageType } from '../../src/protocol/messages.js';
import type { RunningServer } from '../support/server.js';
import { browserSuite, testBoards, type BrowserContextState } from './support/browser.js';

const boards = testBoards();
const browser = browserSuite('browser: permessage-deflate', { ...boards, server: { ...boards.server, echo: true } });

async function blankPage(context: BrowserContextState): Promise<Page> {
  const browserContext = await context.browser.newContext();
  context.contexts.push(browserContext);
  const page = await browserContext.newPage();
  await page.goto(`${context.app.httpUrl}/health`); // any page of the server's own origin
  return page;
}

async function wireBytes(app: RunningServer): Promise<{ received: number; sent: number }> {
  const metrics = parseResponses(await exchange(app.port, 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'))[0]!.body.toString();
  const value = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)![1]);
  return { received: value('tessera_websocket_bytes_received_total'), sent: value('tessera_websocket_bytes_sent_total') };
}

if (browser) {
  const { test } = browser;

  test('/echo: Chromium negotiates permessage-deflate; messages go compressed both ways', async (context) => {
    const page = await blankPage(context);
    const before = await wireBytes(context.app);
    const result = await page.evaluate(async (url) => {
      const ws = new WebSocket(url);
      await new Promise((resolve) => (ws.onopen = resolve));
      const texts = [0, 1, 2].map((seed) => JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ id: seed * 1e5 + i, colour: (i * 7) % 32 }))));
      let same = 0;
      for (const text of texts) {
        const echoed = new Promise<string>((resolve) => (ws.onmessage = (e) => resolve(e.data as string)));
        ws.send(text);
        if ((await echoed) === text) same++;
      }
      ws.close(1000);
      return { extensions: ws.extensions, same, bytes: texts.reduce((sum, t) => sum + t.length, 0) };
    }, `${context.app.wsUrl}/echo`);
    assert.is(result.extensions, 'permessage-deflate');
    assert.is(result.same, 3);
    const after = await wireBytes(context.app);
    assert.ok(after.received - before.received < result.bytes / 3, `Chromium sent ${after.received - before.received} bytes for ${result.bytes}`);
    assert.ok(after.sent - before.sent < result.bytes / 3, `we sent ${after.sent - before.sent} bytes for ${result.bytes}`);
  });

  test('/ws: Chromium gets the broadcaster policy and reads the compressed HELLO', async (context) => {
    const page = await blankPage(context);
    const result = await page.evaluate(async (url) => {
      const ws = new WebSocket(url, 'tessera.v1');
      ws.binaryType = 'arraybuffer';
      const first = await new Promise<ArrayBuffer>((resolve) => (ws.onmessage = (e) => resolve(e.data as ArrayBuffer)));
      ws.close(1000);
      return { extensions: ws.extensions, protocol: ws.protocol, type: new Uint8Array(first)[0], length: first.byteLength };
    }, `${context.app.wsUrl}/ws`);
    assert.is(result.extensions, 'permessage-deflate; server_no_context_takeover; client_no_context_takeover');
    assert.is(result.protocol, 'tessera.v1');
    assert.is(result.type, MessageType.Hello);
    assert.ok(result.length > 1024, `HELLO is ${result.length} bytes, so it went compressed`);
  });

  browser.run();
}
