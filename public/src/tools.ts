// The drawing tools and view toggles of the toolbar, with their keyboard letters.
// Draw mode (boards that allow strokes) makes a drag draw instead of moving the
// board, so moving around never spends quota by accident.

export type Tool = 'brush' | 'eraser' | 'tile';

export class Tools {
  tool: Tool = 'brush';
  grid = false;
  drawMode = false;
  tileAvailable = false;
  strokesAvailable = false;
  onChange: () => void = () => {};

  constructor(private readonly buttons: Record<Tool | 'grid' | 'draw', HTMLButtonElement>) {
    for (const tool of ['brush', 'eraser', 'tile'] as const) buttons[tool].addEventListener('click', () => this.setTool(tool));
    buttons.grid.addEventListener('click', () => this.toggleGrid());
    buttons.draw.addEventListener('click', () => this.toggleDrawMode());
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

  /** False on boards without strokes (nothing changes). */
  toggleDrawMode(): boolean {
    if (!this.strokesAvailable) return false;
    this.drawMode = !this.drawMode;
    this.render();
    this.onChange();
    return true;
  }

  /** What the board allows: boards with tile writes start with the tile tool; draw mode needs strokes. */
  setBoard(tiles: boolean, strokes: boolean): void {
    this.tileAvailable = tiles;
    this.strokesAvailable = strokes;
    if (tiles) this.tool = 'tile';
    else if (this.tool === 'tile') this.tool = 'brush';
    if (!strokes) this.drawMode = false;
    this.render();
    this.onChange();
  }

  private render(): void {
    for (const tool of ['brush', 'eraser', 'tile'] as const) this.buttons[tool].setAttribute('aria-pressed', String(this.tool === tool));
    this.buttons.tile.hidden = !this.tileAvailable;
    this.buttons.draw.hidden = !this.strokesAvailable;
    this.buttons.draw.setAttribute('aria-pressed', String(this.drawMode));
    this.buttons.grid.setAttribute('aria-pressed', String(this.grid));
  }
}
