// The one source of time. Everything that needs "now" is handed a Clock, so
// tests move time by hand instead of waiting for it.

export interface Clock {
  /** Milliseconds since the Unix epoch; never goes backwards. */
  now(): number;
}

// performance.now() is monotonic, so a wall-clock step (NTP, a manual change)
// cannot make a deadline fire early or never; timeOrigin anchors it to the epoch.
const origin = performance.timeOrigin;
export const systemClock: Clock = { now: () => origin + performance.now() };
