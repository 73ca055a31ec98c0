// Reading the JSON bodies and query parameters of the account and admin routes: every field
// checked, every mistake a 400 that names it.
import type { HttpRequest } from '../../net/router.js';
import { ApiError } from '../api/errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type Fields = Record<string, unknown>;

/** The body as a JSON object with only `allowed` keys (an empty body is {}). */
export function jsonBody(request: HttpRequest, allowed: readonly string[]): Fields {
  if (request.body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(request.body));
  } catch {
    throw new ApiError(400, 'BAD_JSON', 'the body must be a JSON object');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError(400, 'BAD_JSON', 'the body must be a JSON object');
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new ApiError(400, 'BAD_JSON', `unknown field ${JSON.stringify(key.slice(0, 40))}: the fields are ${allowed.join(', ')}`);
  }
  return value as Fields;
}

export function text(fields: Fields, key: string, max: number, required = true): string {
  const value = fields[key];
  if (value === undefined && !required) return '';
  if (typeof value !== 'string') throw new ApiError(400, 'BAD_JSON', `"${key}" must be a string`);
  if (value.length > max) throw new ApiError(400, 'BAD_JSON', `"${key}" is at most ${max} characters`);
  return value;
}

export function whole(fields: Fields, key: string, min: number, max: number): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ApiError(400, 'BAD_JSON', `"${key}" must be a whole number in ${min}..${max}`);
  }
  return value;
}

/** A time in ms since the Unix epoch, or null when the field is absent or null. */
export function timeOrNull(fields: Fields, key: string): number | null {
  const value = fields[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 8.64e15) {
    throw new ApiError(400, 'BAD_JSON', `"${key}" must be a time in ms since the Unix epoch, or null`);
  }
  return value;
}

export function oneOf<T extends string>(fields: Fields, key: string, choices: readonly T[]): T {
  const value = fields[key];
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw new ApiError(400, 'BAD_JSON', `"${key}" must be one of ${choices.join(', ')}`);
  }
  return value as T;
}

/** The id path parameter: a positive whole number. */
export function idParam(request: HttpRequest, name = 'n'): number {
  const raw = request.params[name] ?? '';
  if (!/^[1-9]\d{0,14}$/.test(raw)) throw new ApiError(400, 'BAD_PARAMETER', `${name} must be a positive whole number`);
  return Number(raw);
}

/** ?limit= (1..max, default 50) and ?before= (an id) of a newest-first list. */
export function idPage(request: HttpRequest, max = 200): { limit: number; before: number | null } {
  const query = new URLSearchParams(request.query);
  const limitText = query.get('limit');
  const beforeText = query.get('before');
  const limit = limitText === null ? 50 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw new ApiError(400, 'BAD_PARAMETER', `limit must be a whole number in 1..${max}`);
  if (beforeText !== null && !/^[1-9]\d{0,14}$/.test(beforeText)) throw new ApiError(400, 'BAD_PARAMETER', 'before must be an id from the previous page');
  return { limit, before: beforeText === null ? null : Number(beforeText) };
}
