// The status line: connection state, round-trip time, people online, the
// cooldown countdown and what is under the mouse.
import type { ConnectionState } from './connection.js';

export interface StatusElements {
  connection: HTMLElement;
  latency: HTMLElement;
  online: HTMLElement;
  cooldown: HTMLElement;
  hover: HTMLElement;
}

export class StatusBar {
  constructor(private readonly ui: StatusElements) {}

  connection(state: ConnectionState, retryInMs: number): void {
    const text = state === 'open' ? 'Connected' : state === 'connecting' ? 'Connecting…' : `Offline: retrying in ${Math.ceil(retryInMs / 1000)} s`;
    this.ui.connection.textContent = text;
    this.ui.connection.dataset.state = state;
  }

  latency(ms: number | null): void {
    this.ui.latency.textContent = ms === null ? '— ms' : `${Math.round(ms)} ms`;
  }

  online(count: number | null): void {
    this.ui.online.textContent = count === null ? '— online' : `${count} online`;
  }

  cooldown(text: string, waiting: boolean): void {
    if (this.ui.cooldown.textContent !== text) this.ui.cooldown.textContent = text;
    this.ui.cooldown.dataset.waiting = String(waiting);
  }

  hover(text: string): void {
    if (this.ui.hover.textContent !== text) this.ui.hover.textContent = text;
  }
}
