// The drawing tools and view toggles of the toolbar, with their keyboard letters.

export type Tool = 'brush' | 'eraser' | 'tile';

export class Tools {
  tool: Tool = 'brush';
  grid = false;
  tileAvailable = false;
  onChange: () => void = () => {};

  constructor(private readonly buttons: Record<Tool | 'grid', HTMLButtonElement>) {
    for (const tool of ['brush', 'eraser', 'tile'] as const) buttons[tool].addEventListener('click', () => this.setTool(tool));
    buttons.grid.addEventListener('click', () => this.toggleGrid());
    this.render();
  }

  setTool(tool: Tool): void {
    if (tool === 'tile' && !this.tileAvailable) return;
    this.tool = tool;
    this.render();
    this.onChange();
  }

  toggleGrid(): void {
    this.grid = !this.grid;
    this.render();
    this.onChange();
  }

  /** Boards with tile writes get the tile tool, and start with it. */
  setTileAvailable(available: boolean): void {
    this.tileAvailable = available;
    if (available) this.tool = 'tile';
    else if (this.tool === 'tile') this.tool = 'brush';
    this.render();
    this.onChange();
  }

  private render(): void {
    for (const tool of ['brush', 'eraser', 'tile'] as const) this.buttons[tool].setAttribute('aria-pressed', String(this.tool === tool));
    this.buttons.tile.hidden = !this.tileAvailable;
    this.buttons.grid.setAttribute('aria-pressed', String(this.grid));
  }
}
