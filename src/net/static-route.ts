// GET/HEAD for files of the client build: conditional requests (ETag →
// 304) and gzip for clients that accept it.
import { listItems, trimOws } from './header-lists.js';
import { errorResponse, type HttpResponse } from './response.js';
import type { HttpRequest } from './router.js';
import type { StaticFiles } from './static-files.js';

export async function serveStatic(request: HttpRequest, files: StaticFiles): Promise<HttpResponse> {
  const found = await files.lookup(request.path);
  if (found.kind === 'bad-path') return errorResponse(400, 'invalid path');
  if (found.kind === 'not-found') return errorResponse(404, 'no such resource');
  const { file } = found;
  const headers: Record<string, string> = {
    'Content-Type': file.mimeType,
    ETag: file.etag,
    'Cache-Control': 'no-cache', // file names carry no hash: always revalidate, cheaply, by ETag
  };
  if (file.gzipBody !== null) headers['Vary'] = 'Accept-Encoding';
  if (etagMatches(request.head.headers.get('if-none-match'), file.etag)) return { status: 304, headers };
  if (file.gzipBody !== null && acceptsGzip(request.head.headers.get('accept-encoding'))) {
    headers['Content-Encoding'] = 'gzip';
    return { status: 200, headers, body: file.gzipBody };
  }
  return { status: 200, headers, body: file.body };
}

// If-None-Match is "*" or a list of entity tags, compared weakly (RFC 9110 §13.1.2).
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  for (const tag of listItems(header)) {
    if (tag === '*' || tag === etag || tag === 'W/' + etag) return true;
  }
  return false;
}

// Accept-Encoding: gzip unless it is listed with q=0 (RFC 9110 §12.5.3).
export function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  for (const item of listItems(header)) {
    const [coding = '', ...params] = item.split(';').map((s) => trimOws(s).toLowerCase());
    if (coding !== 'gzip' && coding !== '*') continue;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}
