// JSON over fetch for the account and moderation routes (docs/API.md, "Accounts" and
// "Moderation"): same-origin, so the browser's cookies and Origin pass the server's checks.
// A non-2xx answer becomes an ApiError carrying the server's {error, message}.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> | null,
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON: the status says enough */
  }
  if (!response.ok) {
    const error = json as { error?: string; message?: string } | null;
    throw new ApiError(response.status, error?.error ?? `HTTP_${response.status}`, error?.message ?? (text || response.statusText), json as Record<string, unknown> | null);
  }
  return json as T;
}

/** The message to show for a failed call. */
export function failure(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export type Role = 'user' | 'moderator' | 'admin';
export interface User {
  id: number;
  username: string;
  role: Role;
}
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface Ban {
  id: number;
  kind: 'user' | 'session' | 'ip';
  target: string;
  reason: string;
  createdMs: number;
  expiresMs: number | null;
  /** An account ban's account (null for other kinds, or an account that is gone). */
  username: string | null;
}
export interface Lock extends Rect {
  id: number;
  reason: string;
}
export interface Report extends Rect {
  id: number;
  boardId: string;
  reason: string;
  createdMs: number;
  status: string;
}
export interface AuditEntry {
  id: number;
  timeMs: number;
  username: string | null;
  action: string;
  params: unknown;
  result: unknown;
}
export interface Placement {
  seq: number;
  timeMs: number;
  who: string;
  name?: string;
  x: number;
  y: number;
  color: number;
  previousColor: number;
}
export interface BoardSettings {
  open: boolean;
  opensAt: number | null;
  closesAt: number | null;
  writable: boolean;
  buckets: unknown;
}

/** Roles at or above `least`. */
export function atLeast(user: User | null, least: Role): boolean {
  const rank: Record<Role, number> = { user: 0, moderator: 1, admin: 2 };
  return user !== null && rank[user.role] >= rank[least];
}

/** A small element builder: tag, attributes (on* become listeners), children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | EventListener | undefined> = {},
  ...children: (Node | string | null)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null) el.append(child);
  return el;
}

/** The ban lengths offered: label, milliseconds (null: until lifted). */
export const BAN_LENGTHS: [string, number | null][] = [
  ['1 hour', 3_600_000],
  ['1 day', 86_400_000],
  ['1 week', 604_800_000],
  ['Until lifted', null],
];

export function formatTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { hour12: false });
}
