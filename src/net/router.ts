// A small router: exact segments and `:name` parameters, optionally with a
// literal suffix (`:cy.png`). HTTP routes and upgrade handlers (WebSocket
// endpoints, registered by the layer above) share paths.
import type { Socket } from 'node:net';
import type { RequestHead } from './http-parser.js';
import type { HttpResponse } from './response.js';

export interface HttpRequest {
  method: string;
  path: string;                 // still percent-encoded
  query: string;                // without the "?"
  head: RequestHead;
  params: Record<string, string>;
  body: Buffer;
  remoteAddress: string;
}

export type HttpHandler = (request: HttpRequest) => HttpResponse | Promise<HttpResponse>;

/**
 * Takes requests that ask to switch protocols at its path (and plain
 * requests there too, which it refuses). It either refuses with an HTTP
 * response, after which the connection closes (the bytes that follow an
 * upgrade request may not be HTTP), or answers on the socket itself, makes
 * a new SocketOwner the socket's owner (setOwner), and returns null. `rest`
 * holds the bytes the client sent after the request: the new protocol's.
 */
export interface UpgradeHandler {
  upgrade(request: HttpRequest, socket: Socket, rest: Buffer): HttpResponse | null;
}

export interface HttpRoute {
  method: string;
  handler: HttpHandler;
  maxBodyBytes: number;
}

interface RouteEntry {
  pattern: (string | { param: string; suffix: string })[];
  methods: Map<string, HttpRoute>;
  upgrade: UpgradeHandler | null;
}

export type RouteMatch =
  | { kind: 'http'; route: HttpRoute; params: Record<string, string> }
  | { kind: 'upgrade'; handler: UpgradeHandler; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allow: string }
  | { kind: 'not-found' };

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export class Router {
  private readonly entries: RouteEntry[] = [];

  http(method: string, path: string, handler: HttpHandler, options: { maxBodyBytes?: number } = {}): this {
    const route: HttpRoute = { method, handler, maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES };
    this.entry(path).methods.set(method, route);
    // HEAD is GET without the body (RFC 9110 §9.3.2).
    if (method === 'GET') this.entry(path).methods.set('HEAD', route);
    return this;
  }

  upgrade(path: string, handler: UpgradeHandler): this {
    this.entry(path).upgrade = handler;
    return this;
  }

  /** Every HTTP route as registered (HEAD left out), e.g. for a test that must cover them all. */
  routes(): { method: string; path: string }[] {
    return this.entries.flatMap((entry) =>
      [...entry.methods.keys()].filter((method) => method !== 'HEAD').map((method) => ({ method, path: patternKey(entry.pattern) })));
  }

  match(method: string, path: string, upgrade: boolean): RouteMatch {
    const segments = path.split('/');
    for (const entry of this.entries) {
      const params = matchPattern(entry.pattern, segments);
      if (params === null) continue;
      if (upgrade && entry.upgrade) return { kind: 'upgrade', handler: entry.upgrade, params };
      const route = entry.methods.get(method);
      if (route) return { kind: 'http', route, params };
      // An upgrade handler answers plain requests at its path (with its refusal).
      if (entry.upgrade) return { kind: 'upgrade', handler: entry.upgrade, params };
      return { kind: 'method-not-allowed', allow: [...entry.methods.keys()].join(', ') };
    }
    return { kind: 'not-found' };
  }

  private entry(path: string): RouteEntry {
    const pattern = parsePattern(path);
    const key = path;
    let entry = this.entries.find((e) => e.pattern.length === pattern.length && patternKey(e.pattern) === key);
    if (!entry) {
      entry = { pattern, methods: new Map(), upgrade: null };
      this.entries.push(entry);
    }
    return entry;
  }
}

function parsePattern(path: string): RouteEntry['pattern'] {
  return path.split('/').map((segment) => {
    if (!segment.startsWith(':')) return segment;
    const dot = segment.indexOf('.');
    return dot === -1 ? { param: segment.slice(1), suffix: '' } : { param: segment.slice(1, dot), suffix: segment.slice(dot) };
  });
}

function patternKey(pattern: RouteEntry['pattern']): string {
  return pattern.map((s) => (typeof s === 'string' ? s : `:${s.param}${s.suffix}`)).join('/');
}

function matchPattern(pattern: RouteEntry['pattern'], segments: string[]): Record<string, string> | null {
  if (pattern.length !== segments.length) return null;
  let params: Record<string, string> | null = null;
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i]!;
    const got = segments[i]!;
    if (typeof want === 'string') {
      if (want !== got) return null;
      continue;
    }
    if (!got.endsWith(want.suffix) || got.length === want.suffix.length) return null;
    (params ??= {})[want.param] = got.slice(0, got.length - want.suffix.length);
  }
  return params ?? {};
}
