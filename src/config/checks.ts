// Small checkers for configuration values: each returns the typed value or
// throws an Error that names where the bad value was (a flag, an environment
// variable, a path in the JSON file), so a typo fails loudly at start-up.
import { isIP } from 'node:net';

export function fail(where: string, problem: string): never {
  throw new Error(where === '' ? problem : `${where}: ${problem}`);
}

export const describe = (value: unknown): string =>
  value === undefined ? 'nothing' : Array.isArray(value) ? 'an array' : JSON.stringify(value);

export function object(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(where, `must be an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

export function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) fail(where === '' ? key : `${where}.${key}`, `unknown setting (expected one of ${allowed.join(', ')})`);
  }
}

export function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) fail(where, `must be an array, got ${describe(value)}`);
  return value;
}

export function string(value: unknown, where: string): string {
  if (typeof value !== 'string') fail(where, `must be a string, got ${describe(value)}`);
  return value;
}

export function boolean(value: unknown, where: string): boolean {
  if (typeof value !== 'boolean') fail(where, `must be true or false, got ${describe(value)}`);
  return value;
}

export function number(value: unknown, where: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    fail(where, `must be a number from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

export function positive(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(where, `must be a number > 0, got ${describe(value)}`);
  return value;
}

export function integer(value: unknown, where: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(where, `must be a whole number from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

export function oneOf<T extends string>(value: unknown, where: string, choices: readonly T[]): T {
  if (!choices.includes(value as T)) fail(where, `must be one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${describe(value)}`);
  return value as T;
}

/** "10.0.0.1", "::1", "10.0.0.0/8", "fd00::/8". */
export function addressOrRange(value: unknown, where: string): string {
  const text = string(value, where);
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const family = isIP(address);
  const prefix = slash === -1 ? null : text.slice(slash + 1);
  const maxPrefix = family === 6 ? 128 : 32;
  const prefixOk = prefix === null || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
  if (family === 0 || !prefixOk) fail(where, `${JSON.stringify(text)} is not an IP address or CIDR range`);
  return text;
}
