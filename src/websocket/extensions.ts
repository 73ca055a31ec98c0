// The Sec-WebSocket-Extensions header (RFC 6455 §9.1): a comma-separated list
// of offers, each an extension name with ";"-separated parameters, a
// parameter's value a token or a quoted string. A client may offer the same
// extension several times with different parameters, most preferred first:
//
//   permessage-deflate; client_max_window_bits, permessage-deflate
//
//   extension       = extension-token *( ";" extension-param )
//   extension-param = token [ "=" (token | quoted-string) ]
//       ; a quoted value, once unescaped, must be a token as well
//
// Names are compared as they are written (the registry's are lower-case).
import { isOws, isToken } from '../net/header-fields.js';

export interface ExtensionOffer {
  name: string;
  /** In order; a parameter without a value has `null`. Duplicates are kept: the extension decides. */
  params: [name: string, value: string | null][];
}

/** The offers in a header (repeated headers joined with ", "); null if it does not follow the grammar. */
export function parseExtensions(header: string): ExtensionOffer[] | null {
  const scanner = new Scanner(header);
  const offers: ExtensionOffer[] = [];
  for (;;) {
    scanner.skipOws();
    if (scanner.atEnd) return offers;
    if (scanner.take(',')) continue; // an empty list element is ignored (RFC 9110 §5.6.1)
    const name = scanner.token();
    if (name === null) return null;
    const params: ExtensionOffer['params'] = [];
    for (scanner.skipOws(); scanner.take(';'); scanner.skipOws()) {
      scanner.skipOws();
      const param = scanner.token();
      if (param === null) return null;
      scanner.skipOws();
      let value: string | null = null;
      if (scanner.take('=')) {
        scanner.skipOws();
        value = scanner.peek('"') ? scanner.quotedToken() : scanner.token();
        if (value === null) return null;
      }
      params.push([param, value]);
    }
    offers.push({ name, params });
    if (!scanner.atEnd && !scanner.take(',')) return null;
  }
}

class Scanner {
  private at = 0;

  constructor(private readonly text: string) {}

  get atEnd(): boolean {
    return this.at >= this.text.length;
  }

  skipOws(): void {
    while (this.at < this.text.length && isOws(this.text.charCodeAt(this.at))) this.at++;
  }

  peek(char: string): boolean {
    return this.text[this.at] === char;
  }

  take(char: string): boolean {
    if (!this.peek(char)) return false;
    this.at++;
    return true;
  }

  /** The token that starts here, or null if none does. */
  token(): string | null {
    const start = this.at;
    while (this.at < this.text.length && isToken(this.text, this.at, this.at + 1)) this.at++;
    return this.at > start ? this.text.slice(start, this.at) : null;
  }

  /** A quoted string starting here, unescaped; null unless it is closed and its content is a token. */
  quotedToken(): string | null {
    let value = '';
    for (this.at++; this.at < this.text.length; this.at++) {
      const char = this.text[this.at]!;
      if (char === '"') {
        this.at++;
        return isToken(value, 0, value.length) ? value : null;
      }
      if (char === '\\') this.at++; // quoted-pair: the next character as it is
      value += this.text[this.at] ?? '';
    }
    return null;
  }
}
