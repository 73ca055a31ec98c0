// WebSocket /echo: every message comes back with its own opcode. It is how
// people test the stack with conformance suites and their own tools, so it
// accepts permessage-deflate as any client offers it, context takeover and
// all (the `echo` setting turns the endpoint on; it is off by default).
import { TokenBucket } from '../ratelimit/token-bucket.js';
import type { WebSocketEndpoint } from '../websocket/endpoint.js';

const MiB = 1024 * 1024;

export const echoEndpoint: WebSocketEndpoint = {
  protocols: [],
  limits: {
    maxFrameSize: 16 * MiB,
    maxMessageSize: 16 * MiB,
    // Enough for conformance suites that send 4 MiB in 64-byte fragments;
    // fragments are copied into one buffer, so they cost no memory each.
    maxFragments: 65_536,
  },
  // 100,000 messages per second, in bursts of up to 200,000.
  messageLimiter: (now) => new TokenBucket(200_000, 100_000, now),
  // Whatever the client asks for; nothing asked of it.
  compression: { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 },
  onMessage(connection, data, binary) {
    connection.send(data, binary);
  },
};
