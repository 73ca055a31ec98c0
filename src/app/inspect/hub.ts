// Which inspectors are attached, by session. A canvas connection is shown to
// the inspectors of its own session only (the session cookie is the only
// identity there is; with roles, an admin could be let in too), and only
// while one is attached: with none, this is one Map lookup per connection
// opened, and the connections carry no tap.
import type { Clock } from '../../clock.js';
import type { WebSocketConnection } from '../../websocket/connection.js';
import type { EndpointRefusal, OpeningHandshake } from '../../websocket/endpoint.js';
import { Inspector, type InspectorLimits } from './inspector.js';

export interface HubLimits extends InspectorLimits {
  /** Inspectors one session may attach at once. */
  perSession: number;
  /** Inspectors of all sessions together. */
  total: number;
}

/** What the wire inspector keeps and shows; what they add up to: docs/SERVER.md, "The wire inspector". */
export const INSPECTOR_LIMITS: HubLimits = {
  perSession: 2,
  total: 32,
  maxConnections: 4,
  shownBytes: 256,
  maxMessageBytes: 64 * 1024,
  maxQueuedBytes: 256 * 1024,
};

export class InspectorHub {
  private readonly bySession = new Map<string, Inspector[]>();
  private attached = 0;

  /** `connectionsOf(session)`: the session's open canvas connections (looked for when an inspector attaches). */
  constructor(
    private readonly limits: HubLimits,
    private readonly clock: Clock,
    private readonly connectionsOf: (session: string) => Iterable<WebSocketConnection>,
  ) {}

  /** Inspectors attached now. */
  get count(): number {
    return this.attached;
  }

  /** Why `session` may not attach another inspector now, or null if it may. */
  refusal(session: string): EndpointRefusal | null {
    if ((this.bySession.get(session)?.length ?? 0) >= this.limits.perSession) {
      return { refuse: { status: 429, reason: `at most ${this.limits.perSession} inspectors per session` } };
    }
    if (this.attached >= this.limits.total) return { refuse: { status: 503, reason: 'too many inspectors attached; try again later' } };
    return null;
  }

  /** `page` inspects `session`'s canvas connections from now on: those open now, and those it opens. */
  attach(session: string, page: WebSocketConnection): Inspector {
    const inspector = new Inspector(session, page, this.limits, this.clock);
    const list = this.bySession.get(session);
    if (list === undefined) this.bySession.set(session, [inspector]);
    else list.push(inspector);
    this.attached++;
    for (const connection of this.connectionsOf(session)) inspector.show(connection, null);
    return inspector;
  }

  detach(inspector: Inspector): void {
    const list = this.bySession.get(inspector.session);
    const index = list?.indexOf(inspector) ?? -1;
    if (index < 0) return;
    list!.splice(index, 1);
    if (list!.length === 0) this.bySession.delete(inspector.session);
    this.attached--;
    inspector.detach();
  }

  /** A canvas connection of `session` opened: its inspectors show it from its handshake on. */
  opened(connection: WebSocketConnection, session: string, handshake: OpeningHandshake): void {
    const list = this.bySession.get(session);
    if (list === undefined) return;
    for (const inspector of list) inspector.show(connection, handshake);
  }
}
