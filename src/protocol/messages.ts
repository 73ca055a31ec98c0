// The Tessera wire protocol codec (docs/PROTOCOL.md), one import for server,
// browser client and bots. Uses only Uint8Array, DataView and TextEncoder/
// TextDecoder, so it bundles for the browser as it is.
export * from './types.js';
export * from './json.js';
export {
  decodeClientMessage,
  encodeClientMessage,
  encodePing,
  encodePlace,
  encodePlaceBatch,
  encodeSubscribe,
  encodeTileWrite,
  encodeUnsubscribe,
} from './client-messages.js';
export {
  SESSION_ID_LENGTH,
  decodeServerMessage,
  encodeAck,
  encodeChunk,
  encodeHello,
  encodeOnline,
  encodePong,
  encodeProtocolError,
  encodeQuota,
  encodeReject,
  encodeServerMessage,
} from './server-messages.js';
export { BoardStateFlag, encodeBanned, encodeBoardState, encodeLocks, encodePolicy } from './moderation-messages.js';
export { DIFF_PREFIX, DIFF_TYPE, encodeDiff, encodeDiffSection, encodeDiffSectionValues } from './diff.js';
export { REJECT_REASONS, type RejectInfo } from './reject-reasons.js';
export { decodeChunkPixels, encodeChunkPixels } from './chunk-encoding.js';
