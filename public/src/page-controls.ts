// The page's controls around the board: the board picker, the zoom button,
// "go to x, y", the link to the pixel in view, the notification toggle, the end
// of a cooldown, and the address bar's hash when someone edits it by hand.
import type { BoardJson } from '../../src/protocol/messages.js';
import type { App } from './app.js';
import { byId } from './dom.js';
import { formatHash, readHash } from './hash-state.js';

export function wirePageControls(app: App): void {
  const select = byId<HTMLSelectElement>('board-select');
  select.addEventListener('change', () => {
    const board = app.boards.find((b) => b.id === select.value);
    if (board) app.selectBoard(board.index);
  });
  byId<HTMLButtonElement>('tool-zoom').addEventListener('click', () => app.zoomToggle());

  app.tools.onChange = () => {
    app.grid.enabled = app.tools.grid;
    app.pointing.render();
    app.renderCooldown();
  };
  app.palette.onSelect = (index, how) => {
    if (app.tools.tool === 'eraser') app.tools.setTool('brush');
    app.pointing.render();
    app.announcer.say(`${how === 'nearest' ? 'Nearest palette colour' : 'Selected'}: ${app.colourName(index)}`);
  };

  const notify = byId<HTMLInputElement>('notify-toggle');
  notify.checked = app.notifier.enabled;
  notify.addEventListener('change', () => void app.notifier.setEnabled(notify.checked));
  app.cooldowns.onReady = (board) => {
    app.renderCooldown();
    // Offline, nothing can be placed, whatever the countdown says.
    if (board !== app.board?.info.index || !app.connection.isOpen) return;
    app.notifier.cooldownEnded(app.board.info.title);
    app.announcer.say('You can place again');
  };

  wireGoTo(app);
  wireCopyLink(app);

  window.addEventListener('hashchange', () => {
    if (location.hash === app.hashWriter.lastWritten) return;
    const hash = readHash();
    const board = app.boards.find((b) => b.id === hash.board);
    if (board !== undefined && board.id !== app.board?.info.id) app.selectBoard(board.index, hash);
    else if (hash.x !== undefined && hash.y !== undefined) app.viewport.set(hash.x, hash.y, hash.zoom ?? app.viewport.zoom);
    if (hash.template !== undefined && app.board) void app.importSharedTemplate(hash.template, app.board.info.id);
  });
}

/** "Go to x, y": the view moves there, close up, with the keyboard cursor on the pixel. */
function wireGoTo(app: App): void {
  const form = byId<HTMLFormElement>('goto');
  const x = byId<HTMLInputElement>('goto-x');
  const y = byId<HTMLInputElement>('goto-y');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const board = app.board?.info;
    if (board === undefined) return;
    const px = Math.min(board.width - 1, Math.max(0, Math.floor(Number(x.value))));
    const py = Math.min(board.height - 1, Math.max(0, Math.floor(Number(y.value))));
    if (!Number.isFinite(px) || !Number.isFinite(py)) return;
    app.goTo(px, py);
    app.announcer.say(`Went to ${app.describePixel(px, py)}`);
    app.canvas.focus();
  });
}

/** "Copy link": a link to the pixel under the cursor or reticle (else the view's centre), at this zoom. */
function wireCopyLink(app: App): void {
  const button = byId<HTMLButtonElement>('copy-link');
  button.addEventListener('click', async () => {
    const board = app.board?.info;
    if (board === undefined) return;
    const at = app.pointing.focusPixel();
    const view = app.viewport;
    const hash = formatHash({ board: board.id, x: at ? at.x + 0.5 : view.x, y: at ? at.y + 0.5 : view.y, zoom: view.zoom });
    const link = `${location.origin}${location.pathname}${hash}`;
    app.lastCopiedLink = link;
    try {
      await navigator.clipboard.writeText(link);
      app.toasts.show(`Link to ${at ? `${at.x}, ${at.y}` : 'this view'} copied`, 'success', 'link');
    } catch {
      window.prompt('Link to this spot', link);
    }
  });
}

/** The board picker's options, one per board, with the current one selected. */
export function renderBoardPicker(select: HTMLSelectElement, boards: readonly BoardJson[], current: string | undefined): void {
  select.replaceChildren(
    ...boards.map((board) => {
      const option = document.createElement('option');
      option.value = board.id;
      option.textContent = `${board.title} (${board.width}×${board.height})`;
      return option;
    }),
  );
  if (current !== undefined) select.value = current;
}
