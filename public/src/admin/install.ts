// The moderation client, hooked into the app in three places (constructor, server messages,
// board selection): what every visitor sees (BoardRules: locks, frozen, countdown, ban), the
// account (sign in, register, sign out), the pixel's actions (report; ban for moderators), and
// for moderators and admins their panel. It builds its own DOM into the toolbar and the stage.
import type { ServerMessage } from '../../../src/protocol/messages.js';
import type { App } from '../app.js';
import { AccountUi } from './account.js';
import { atLeast, h, type User } from './api.js';
import { AreaPicker } from './area-picker.js';
import { BoardRules } from './board-rules.js';
import { AdminTools } from './mod-admin.js';
import { AreaTools } from './mod-area.js';
import { ModeratorLists } from './mod-lists.js';
import { PixelActions } from './pixel-actions.js';

export class ModerationUi {
  readonly rules: BoardRules;
  readonly account = new AccountUi();
  readonly picker: AreaPicker;
  readonly pixel: PixelActions;
  readonly area: AreaTools;
  readonly lists: ModeratorLists;
  readonly admin: AdminTools;
  private readonly panel: HTMLElement;
  private readonly adminPart: HTMLElement;
  private readonly moderateToggle: HTMLButtonElement;

  constructor(private readonly app: App) {
    const banner = h('div', { id: 'board-state-banner', class: 'board-state-banner', role: 'status', hidden: true });
    app.canvas.parentElement!.append(banner);
    this.rules = new BoardRules(banner, () => app.board?.info.index ?? null);
    this.rules.onChange = () => {
      app.renderer.requestRender();
      if (atLeast(this.account.user, 'moderator') && !this.panel.hidden) void this.area.refreshLocks();
    };
    this.picker = new AreaPicker({
      canvas: app.canvas,
      viewport: app.viewport,
      boardSize: () => (app.board ? { width: app.board.info.width, height: app.board.info.height } : null),
      requestRender: () => app.renderer.requestRender(),
    });
    app.renderer.layers.push(this.rules, this.picker);

    const toast = (text: string, kind: 'info' | 'error' | 'success') => {
      app.toasts.show(text, kind);
      app.announcer.say(text);
    };
    const boardId = () => app.board?.info.id ?? null;
    this.pixel = new PixelActions({
      boardId,
      user: () => this.account.user,
      now: () => this.rules.now(),
      pickPixel: async () => {
        const rect = await this.picker.pick('pixel');
        this.picker.show(rect);
        return rect;
      },
      toast,
      banned: () => void this.lists.loadBans(),
    });
    this.area = new AreaTools({ boardId, picker: this.picker, toast });
    this.lists = new ModeratorLists({
      boardId,
      toast,
      now: () => this.rules.now(),
      goTo: (board, rect) => {
        const info = app.boards.find((b) => b.id === board);
        if (info !== undefined && info.id !== boardId()) app.selectBoard(info.index);
        app.goTo(rect.x + (rect.width >> 1), rect.y + (rect.height >> 1));
        this.area.useArea(rect); // outlined, and ready to lock or roll back
      },
    });
    this.admin = new AdminTools({ boardId, boardTitle: () => app.board?.info.title ?? '', toast });

    this.adminPart = h('div', { class: 'admin-stack', hidden: true }, this.admin.settingsElement, this.admin.resetElement, this.lists.auditElement);
    this.panel = h(
      'div',
      { id: 'mod-panel', class: 'mod-panel', hidden: true },
      this.area.element,
      this.lists.bansElement,
      this.lists.reportsElement,
      this.adminPart,
    );
    const accountToggle = this.toggle('account-toggle', 'Account', this.account.element);
    const pixelToggle = this.toggle('pixel-toggle', 'Pixel', this.pixel.element);
    this.moderateToggle = this.toggle('moderate-toggle', 'Moderate', this.panel, () => this.panelOpened());
    this.moderateToggle.hidden = true;
    const toggles = h('div', { id: 'moderation-toggles', class: 'tool-group', role: 'group', 'aria-label': 'Account and moderation' }, accountToggle, pixelToggle, this.moderateToggle);
    const toolbar = document.querySelector<HTMLElement>('.toolbar')!;
    toolbar.append(toggles, this.account.element, this.pixel.element, this.panel);
    this.account.element.hidden = true;
    this.pixel.element.hidden = true;

    this.account.onUser = (user, first) => this.userChanged(user, first);
    void this.account.load();
  }

  onMessage(message: ServerMessage): void {
    this.rules.onMessage(message);
  }

  boardSelected(): void {
    this.picker.cancel();
    this.area.boardChanged();
    if (!this.panel.hidden && atLeast(this.account.user, 'admin')) void this.admin.load();
    this.rules.render();
  }

  /** Opens the pixel's actions for (x, y): the hook for a pixel info view. */
  showPixel(x: number, y: number): void {
    this.pixel.element.hidden = false;
    document.getElementById('pixel-toggle')?.setAttribute('aria-expanded', 'true');
    void this.pixel.show(x, y);
  }

  private toggle(id: string, label: string, section: HTMLElement, opened?: () => void): HTMLButtonElement {
    const button = h('button', { type: 'button', id, 'aria-expanded': 'false', 'aria-controls': section.id }, label);
    button.addEventListener('click', () => {
      section.hidden = !section.hidden;
      button.setAttribute('aria-expanded', String(!section.hidden));
      if (!section.hidden) {
        opened?.();
        section.scrollIntoView({ block: 'nearest' });
      }
    });
    return button;
  }

  private panelOpened(): void {
    void this.area.refreshLocks();
    void this.lists.loadBans();
    void this.lists.loadReports();
    if (atLeast(this.account.user, 'admin')) {
      void this.admin.load();
      void this.lists.loadAudit(false);
    }
  }

  private userChanged(user: User | null, first: boolean): void {
    const moderator = atLeast(user, 'moderator');
    this.moderateToggle.hidden = !moderator;
    this.moderateToggle.textContent = user?.role === 'admin' ? 'Admin' : 'Moderate';
    if (!moderator) {
      this.panel.hidden = true;
      this.moderateToggle.setAttribute('aria-expanded', 'false');
    }
    this.adminPart.hidden = !atLeast(user, 'admin');
    if (!this.panel.hidden) this.panelOpened();
    this.pixel.refreshRole();
    document.getElementById('account-toggle')!.textContent = user === null ? 'Account' : user.username;
    // The socket counts as the identity it connected with: reconnect as the new one.
    if (!first) this.app.connection.reconnect();
  }
}

export function installModeration(app: App): ModerationUi {
  return new ModerationUi(app);
}
