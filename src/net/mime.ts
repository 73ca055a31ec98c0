// Content types by file extension. Deliberately a short, explicit table:
// anything unknown is served as opaque bytes rather than guessed at.

const TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  map: 'application/json',
  txt: 'text/plain; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  ico: 'image/x-icon',
  wasm: 'application/wasm',
  woff: 'font/woff',
  woff2: 'font/woff2',
};

const DEFAULT_TYPE = 'application/octet-stream';

export function mimeTypeFor(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  // "Makefile" has no extension; ".env" is a hidden file, not an "env" file.
  if (dot <= 0) return DEFAULT_TYPE;
  const extension = name.slice(dot + 1).toLowerCase();
  return Object.hasOwn(TYPES, extension) ? TYPES[extension]! : DEFAULT_TYPE;
}

/** Whether gzip is likely to pay off. Images and fonts are already compressed. */
export function isCompressible(mimeType: string): boolean {
  const essence = mimeType.split(';', 1)[0]!.trim().toLowerCase();
  return (
    essence.startsWith('text/') ||
    essence.includes('javascript') ||
    essence === 'application/json' ||
    essence.endsWith('+json') ||
    essence === 'image/svg+xml' ||
    essence.endsWith('+xml') ||
    essence === 'application/xml' ||
    essence === 'application/wasm'
  );
}
