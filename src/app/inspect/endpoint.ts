// WebSocket /inspect/ws: the inspector page's line to the server. The page
// only listens: it gets one JSON record per message (protocol/inspector-json.ts)
// about the canvas connections of its own session (the session cookie the
// handshake carries), and anything it sends closes it with 1003.
import type { ServerConfig } from '../../config/settings.js';
import { TokenBucket } from '../../ratelimit/token-bucket.js';
import type { WebSocketEndpoint } from '../../websocket/endpoint.js';
import { CloseCode } from '../../websocket/opcodes.js';
import { identify } from '../identity.js';
import type { InspectorHub } from './hub.js';
import type { Inspector } from './inspector.js';

export function inspectorEndpoint(hub: InspectorHub, settings: Pick<ServerConfig, 'trustedProxies' | 'ipv6PrefixLength'>): WebSocketEndpoint {
  return {
    protocols: [],
    // It has nothing to say: the smallest limits there are.
    limits: { maxFrameSize: 125, maxMessageSize: 125, maxFragments: 1 },
    messageLimiter: (now) => new TokenBucket(1, 1, now),
    accept(request) {
      const identity = identify(request, settings);
      // A new session has no connections to show: the page sets the cookie first (GET /inspect).
      if (identity.setCookie !== null) return { refuse: { status: 403, reason: 'no session cookie: open /inspect or the canvas first' } };
      return hub.refusal(identity.session) ?? { context: identity.session };
    },
    onOpen(connection) {
      connection.context = hub.attach(connection.context as string, connection);
    },
    onMessage(connection) {
      connection.close(CloseCode.UnsupportedData, 'the inspector only listens');
    },
    onDrain(connection) {
      (connection.context as Inspector).flush();
    },
    onClose(connection) {
      hub.detach(connection.context as Inspector);
    },
  };
}
