// permessage-deflate's negotiation, server side (RFC 7692 §5, §7.1): the
// client offers the extension, possibly several times with different
// parameters, most preferred first; the server accepts the first offer it can
// honour and answers with the parameters that now bind both sides, or
// accepts none and leaves the header out (the connection then runs without
// compression; the handshake itself never fails over an extension).
//
//   offer:    Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits
//   response: Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_max_window_bits=15
//
// The four parameters (§7.1.1, §7.1.2), "server" meaning what the server
// sends and "client" what the client sends:
//
//   server_no_context_takeover  offered: the server must agree and compress each message on its own.
//                               The server may also ask it of itself unasked.
//   client_no_context_takeover  the server may ask it of the client, offered or not; offered, it is a
//                               promise from the client that the server can confirm.
//   server_max_window_bits=N    offered: the server's LZ77 window is at most 2^N bytes (8–15); the
//                               server answers with N or less. The server may also announce it unasked.
//   client_max_window_bits[=N]  offered (with N: the client's window is at most 2^N anyway): the server
//                               may answer with a limit (≤ N). Not offered: the server must not send it.
//
// An offer is declined (§5.1) if it has an unknown parameter, a parameter
// twice, a value where none belongs or a bad value, or asks what the server
// cannot do: server_max_window_bits=8, since zlib's smallest deflate window
// is 2^9 bytes.
import { parseExtensions } from './extensions.js';

export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** What an endpoint asks of every connection that negotiates compression. */
export interface DeflatePolicy {
  /** Compress each of our messages on its own (so one compressed message can go to many connections). */
  serverNoContextTakeover: boolean;
  /** Ask clients to compress each message on its own (so we keep no window of theirs between messages). */
  clientNoContextTakeover: boolean;
  /** Our LZ77 window, 2^bits bytes: 9–15. */
  serverMaxWindowBits: number;
  /** The largest window we let clients use, when they offer client_max_window_bits: 8–15. */
  clientMaxWindowBits: number;
}

/** The parameters agreed for one connection. */
export interface DeflateAgreement {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** The window of the messages we compress: 2^bits bytes. */
  serverMaxWindowBits: number;
  /** The window of the messages the client compresses: 2^bits bytes (15 when nothing smaller was agreed). */
  clientMaxWindowBits: number;
}

export interface DeflateNegotiation {
  agreement: DeflateAgreement;
  /** The Sec-WebSocket-Extensions response value. */
  response: string;
}

/** Our answer to the Sec-WebSocket-Extensions request header: null when no permessage-deflate offer is accepted. */
export function negotiateDeflate(header: string | undefined, policy: DeflatePolicy | null): DeflateNegotiation | null {
  if (header === undefined || policy === null) return null;
  const offers = parseExtensions(header);
  if (offers === null) return null; // a header we cannot read offers nothing we can accept
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const params = readOffer(offer.params);
    if (params === null) continue;
    const agreement = accept(params, policy);
    if (agreement !== null) return { agreement, response: responseFor(agreement, params, policy) };
  }
  return null;
}

/** An offer's parameters, checked: `true` for one without a value, a number for a window size. */
interface OfferParams {
  server_no_context_takeover?: true;
  client_no_context_takeover?: true;
  server_max_window_bits?: number;
  client_max_window_bits?: number | true;
}

/** The offer's parameters, or null if the offer must be declined for its form (§5.1). */
function readOffer(params: readonly [string, string | null][]): OfferParams | null {
  const read: OfferParams = {};
  for (const [name, value] of params) {
    if (Object.hasOwn(read, name)) return null; // the same parameter twice
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== null) return null;
        read[name] = true;
        break;
      case 'server_max_window_bits': {
        const bits = windowBits(value);
        if (bits === null) return null;
        read[name] = bits;
        break;
      }
      case 'client_max_window_bits': {
        if (value === null) {
          read[name] = true;
          break;
        }
        const bits = windowBits(value);
        if (bits === null) return null;
        read[name] = bits;
        break;
      }
      default:
        return null; // not a parameter of this extension
    }
  }
  return read;
}

/** 8–15 written as a decimal integer without leading zeros (§7.1.2.1); anything else is null. */
function windowBits(value: string | null): number | null {
  if (value === null || !/^(8|9|1[0-5])$/.test(value)) return null;
  return Number(value);
}

function accept(offer: OfferParams, policy: DeflatePolicy): DeflateAgreement | null {
  const serverMaxWindowBits = Math.min(policy.serverMaxWindowBits, offer.server_max_window_bits ?? 15);
  if (serverMaxWindowBits < 9) return null; // zlib cannot deflate with a 256-byte window
  const offeredClientBits = offer.client_max_window_bits === true ? 15 : offer.client_max_window_bits;
  return {
    serverNoContextTakeover: policy.serverNoContextTakeover || offer.server_no_context_takeover === true,
    clientNoContextTakeover: policy.clientNoContextTakeover || offer.client_no_context_takeover === true,
    serverMaxWindowBits,
    // Without client_max_window_bits in the offer we may not limit the client: it may use 2^15.
    clientMaxWindowBits: offeredClientBits === undefined ? 15 : Math.min(policy.clientMaxWindowBits, offeredClientBits),
  };
}

function responseFor(agreement: DeflateAgreement, offer: OfferParams, policy: DeflatePolicy): string {
  let response = PERMESSAGE_DEFLATE;
  if (agreement.serverNoContextTakeover) response += '; server_no_context_takeover';
  if (agreement.clientNoContextTakeover) response += '; client_no_context_takeover';
  // Required when offered; otherwise sent only to announce a window smaller than the default.
  if (offer.server_max_window_bits !== undefined || agreement.serverMaxWindowBits < 15) {
    response += `; server_max_window_bits=${agreement.serverMaxWindowBits}`;
  }
  // Allowed only when offered; sent when it tells the client something (a limit below its own).
  const offeredClientBits = offer.client_max_window_bits === true ? 15 : offer.client_max_window_bits;
  if (offeredClientBits !== undefined && policy.clientMaxWindowBits < offeredClientBits) {
    response += `; client_max_window_bits=${agreement.clientMaxWindowBits}`;
  }
  return response;
}

/**
 * The client's side (§7.1): the parameters a server's response binds both
 * sides to, or null if the response is not one a client may accept (another
 * extension, several, or a parameter a response may not carry).
 * client_max_window_bits must have a value in a response (§7.1.2.2).
 */
export function agreementFromResponse(header: string): DeflateAgreement | null {
  const offers = parseExtensions(header);
  if (offers === null || offers.length !== 1 || offers[0]!.name !== PERMESSAGE_DEFLATE) return null;
  const params = readOffer(offers[0]!.params);
  if (params === null || params.client_max_window_bits === true) return null;
  return {
    serverNoContextTakeover: params.server_no_context_takeover === true,
    clientNoContextTakeover: params.client_no_context_takeover === true,
    serverMaxWindowBits: params.server_max_window_bits ?? 15,
    clientMaxWindowBits: params.client_max_window_bits ?? 15,
  };
}
