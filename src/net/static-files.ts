// Serves files from one directory, and never from anywhere else.
//
// A request path goes through two independent defences before any file is
// read: a strict lexical check (decoding, then rejecting anything that could
// step out of the directory), and a filesystem check (realpath must land
// inside the realpath of the root, so symlinks cannot escape either).
//
// Files are cached in memory with their ETag and gzip body, and re-checked
// against the disk at most once per second so edits show up in development.

import { createHash } from 'node:crypto';
import { open, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, sep } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback, constants as zlibConstants } from 'node:zlib';
import { systemClock, type Clock } from '../clock.js';
import { isCompressible, mimeTypeFor } from './mime.js';

const gzip = promisify(gzipCallback);

export interface StaticFile {
  body: Buffer;
  /** Gzip-encoded body, or null when compression would not help. */
  gzipBody: Buffer | null;
  /** Strong validator, quotes included, ready for the ETag header. */
  etag: string;
  mimeType: string;
}

export type StaticLookup =
  | { kind: 'file'; file: StaticFile }
  | { kind: 'not-found' }
  | { kind: 'bad-path' };

export interface StaticFilesOptions {
  /** Clock for cache revalidation; tests move it by hand instead of sleeping. */
  clock?: Clock;
}

const REVALIDATE_AFTER_MS = 1000;
const MIN_GZIP_SIZE = 256;
// Only paths that resolve to real files are cached, so on a case-sensitive
// filesystem this bounds nothing but the number of files. It matters where
// many spellings ("/A.css", "/a.CSS") reach the same file.
const MAX_CACHE_ENTRIES = 4096;
// Errors that simply mean "there is nothing servable here".
const MISSING_FILE_CODES = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'ELOOP', 'ENAMETOOLONG', 'EACCES', 'EPERM']);

const NOT_FOUND: StaticLookup = { kind: 'not-found' };
const BAD_PATH: StaticLookup = { kind: 'bad-path' };

interface LoadedFile {
  file: StaticFile;
  realPath: string;
  /** Identity of the bytes on disk when read; a change means reload. */
  version: string;
}

interface CacheEntry {
  loading: Promise<LoadedFile | null>;
  checkedAt: number;
}

export class StaticFiles {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly clock: Clock;

  constructor(
    private readonly root: string,
    options: StaticFilesOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Resolves a still-percent-encoded URL path (no query string).
   * Rejects only on unexpected I/O errors (e.g. EMFILE), which callers should
   * treat as a 500; anything that just means "no such file" is not-found.
   */
  async lookup(urlPath: string): Promise<StaticLookup> {
    const relativePath = toRelativePath(urlPath);
    if (relativePath === null) return BAD_PATH;
    const loaded = await this.cached(relativePath);
    return loaded ? { kind: 'file', file: loaded.file } : NOT_FOUND;
  }

  private cached(relativePath: string): Promise<LoadedFile | null> {
    const now = this.clock.now();
    const existing = this.cache.get(relativePath);
    if (existing) {
      if (now - existing.checkedAt < REVALIDATE_AFTER_MS) return existing.loading;
      // Chain onto the previous load so concurrent callers share one check.
      existing.checkedAt = now;
      existing.loading = existing.loading.then((previous) => this.load(relativePath, previous));
      return this.forgetIfMissing(relativePath, existing);
    }

    const entry: CacheEntry = { loading: this.load(relativePath, null), checkedAt: now };
    this.cache.set(relativePath, entry);
    if (this.cache.size > MAX_CACHE_ENTRIES) {
      // Maps iterate in insertion order, so this drops the oldest entry.
      this.cache.delete(this.cache.keys().next().value!);
    }
    return this.forgetIfMissing(relativePath, entry);
  }

  /** Misses and failures are not cached: random 404 paths must not use memory. */
  private forgetIfMissing(relativePath: string, entry: CacheEntry): Promise<LoadedFile | null> {
    const forget = () => {
      if (this.cache.get(relativePath) === entry) this.cache.delete(relativePath);
    };
    return entry.loading.then(
      (loaded) => {
        if (!loaded) forget();
        return loaded;
      },
      (error: unknown) => {
        forget();
        throw error;
      },
    );
  }

  /** Reads the file, or returns `previous` when the disk says it is unchanged. */
  private async load(relativePath: string, previous: LoadedFile | null): Promise<LoadedFile | null> {
    try {
      const found = await this.resolve(relativePath);
      if (!found) return null;
      if (previous && previous.realPath === found.realPath && previous.version === versionOf(found.stats)) {
        return previous;
      }
      return await readStaticFile(found.realPath);
    } catch (error) {
      if (isMissingFileError(error)) return null;
      throw error;
    }
  }

  /** Finds the regular file a relative path names, following symlinks only within the root. */
  private async resolve(relativePath: string): Promise<{ realPath: string; stats: Stats } | null> {
    // Resolved per load, not once, so swapping a symlinked root is noticed.
    const realRoot = await realpath(this.root);
    const candidate = join(realRoot, relativePath);
    // Cannot fail after toRelativePath, but costs nothing to keep honest.
    if (!isInside(realRoot, candidate)) return null;

    let realPath = await realpath(candidate);
    if (!isInside(realRoot, realPath)) return null;
    let stats = await stat(realPath);

    // "/docs" naming a directory serves its index, just like "/docs/".
    if (stats.isDirectory()) {
      realPath = await realpath(join(realPath, 'index.html'));
      if (!isInside(realRoot, realPath)) return null;
      stats = await stat(realPath);
    }
    return stats.isFile() ? { realPath, stats } : null;
  }
}

/**
 * Turns the raw URL path into a safe path relative to the root, or null if
 * it is malformed or tries anything suspicious. Nothing here touches the disk.
 */
export function toRelativePath(urlPath: string): string | null {
  if (!urlPath.startsWith('/')) return null;
  // An encoded slash means "a slash inside a name", which no file has;
  // decoding it would quietly turn one URL segment into two path segments.
  if (/%2f/i.test(urlPath)) return null;

  let decoded: string;
  try {
    // Strict: throws on "%zz", a truncated "%4", and invalid or overlong UTF-8.
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  // C0 controls (NUL included), DEL, C1 controls, and backslashes, which
  // some filesystems and tools treat as separators.
  if (/[\u0000-\u001f\u007f-\u009f\\]/.test(decoded)) return null;

  // With encoded slashes gone, decoded segments line up one-to-one with raw
  // ones, so checking decoded segments also covers "%2e%2e" and ".%2e".
  const names: string[] = [];
  for (const segment of decoded.split('/')) {
    if (segment === '.' || segment === '..') return null;
    // Empty segments ("//") are dropped so each file has one cache key.
    if (segment !== '') names.push(segment);
  }
  if (decoded.endsWith('/')) names.push('index.html');
  return names.join('/');
}

function isInside(realRoot: string, path: string): boolean {
  // Compare with a trailing separator so "/srv/public-evil" is not inside "/srv/public".
  const prefix = realRoot.endsWith(sep) ? realRoot : realRoot + sep;
  return path.startsWith(prefix);
}

async function readStaticFile(realPath: string): Promise<LoadedFile | null> {
  const handle = await open(realPath, 'r');
  try {
    // Stat the open descriptor so the version describes exactly what we read.
    const stats = await handle.stat();
    if (!stats.isFile()) return null;
    const body = await handle.readFile();
    const mimeType = mimeTypeFor(realPath);
    const file: StaticFile = {
      body,
      gzipBody: await maybeGzip(body, mimeType),
      etag: etagFor(body),
      mimeType,
    };
    return { file, realPath, version: versionOf(stats) };
  } finally {
    await handle.close();
  }
}

async function maybeGzip(body: Buffer, mimeType: string): Promise<Buffer | null> {
  if (body.length < MIN_GZIP_SIZE || !isCompressible(mimeType)) return null;
  // Async so a large file compresses on the thread pool, not the event loop.
  const compressed = await gzip(body, { level: zlibConstants.Z_BEST_COMPRESSION });
  return compressed.length < body.length ? compressed : null;
}

function etagFor(body: Buffer): string {
  const digest = createHash('sha1').update(body).digest().subarray(0, 16);
  return `"${digest.toString('base64url')}"`;
}

function versionOf(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}

function isMissingFileError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code !== undefined && MISSING_FILE_CODES.has(code);
}
