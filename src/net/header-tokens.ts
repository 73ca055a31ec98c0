// Comma-separated header lists (RFC 9110 §5.6.1), compared case-insensitively.
// A hand-written split, so hostile values cost linear time.

export function splitTokens(value: string): string[] {
  const tokens: string[] = [];
  for (const part of value.split(',')) {
    const token = part.trim();
    if (token !== '') tokens.push(token);
  }
  return tokens;
}

export function headerHasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false;
  for (const part of value.split(',')) {
    if (part.trim().toLowerCase() === token) return true;
  }
  return false;
}
