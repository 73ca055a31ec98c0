// The aria-live region: what a screen reader says about the cursor and placements.

export class Announcer {
  /** The last announcements, newest last: for tests. */
  readonly history: string[] = [];

  constructor(private readonly region: HTMLElement) {}

  say(text: string): void {
    this.history.push(text);
    if (this.history.length > 50) this.history.shift();
    // Replacing the text node (rather than setting the same string twice) makes
    // screen readers repeat a message that happens to equal the previous one.
    this.region.replaceChildren(document.createTextNode(text));
  }
}
