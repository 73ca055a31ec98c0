// "N placed" in the status bar: how many placements the history holds for this session,
// from GET /api/sessions/me/history (docs/API.md). Asked once at start and again after
// acknowledgements, at most one request in flight: acks that arrive meanwhile are counted
// by one more request when it returns. Without a history (404) the pill stays hidden.
import { errorText } from './history-records.js';

export class MyPlacements {
  count: number | null = null;
  /** The history's name for this session (`guest:…`), for "placed by you". */
  who: string | null = null;
  private inFlight = false;
  private again = false;

  constructor(private readonly pill: HTMLElement) {}

  refresh(): void {
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
    void this.load().finally(() => {
      this.inFlight = false;
      if (this.again) {
        this.again = false;
        this.refresh();
      }
    });
  }

  private async load(): Promise<void> {
    try {
      const response = await fetch('/api/sessions/me/history?limit=1');
      if (response.status === 404) {
        this.pill.hidden = true;
        return;
      }
      if (!response.ok) throw new Error(await errorText(response));
      const body = (await response.json()) as { who: string; count: number };
      this.who = body.who;
      this.count = body.count;
      this.pill.hidden = false;
      this.pill.textContent = `${body.count.toLocaleString('en')} placed`;
    } catch (err) {
      console.warn(`tessera: my placements: ${(err as Error).message}`);
    }
  }
}
