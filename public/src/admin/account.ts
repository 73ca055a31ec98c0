// Signing in, registering and signing out (docs/API.md "Accounts"), for everyone. The
// account's role decides which moderation tools the page shows (onUser).
import { api, failure, h, type User } from './api.js';

export class AccountUi {
  user: User | null = null;
  /** Called on the first answer of /api/auth/me (first: true) and on every change of account or role. */
  onUser: (user: User | null, first: boolean) => void = () => {};
  private known = false;
  readonly element: HTMLElement;
  private readonly form: HTMLFormElement;
  private readonly signedIn: HTMLElement;
  private readonly who: HTMLElement;
  private readonly username: HTMLInputElement;
  private readonly password: HTMLInputElement;
  private readonly note: HTMLElement;

  constructor() {
    this.username = h('input', { id: 'account-username', autocomplete: 'username', required: true, minlength: 3, maxlength: 32 });
    this.password = h('input', { id: 'account-password', type: 'password', autocomplete: 'current-password', required: true, minlength: 8, maxlength: 256 });
    this.note = h('p', { id: 'account-note', class: 'hint', 'aria-live': 'polite' });
    this.form = h(
      'form',
      { id: 'account-form', class: 'account-form', onsubmit: (e: Event) => this.submit(e, 'login') },
      h('label', {}, 'Name ', this.username),
      h('label', {}, 'Password ', this.password),
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', id: 'account-login', class: 'primary' }, 'Sign in'),
        h('button', { type: 'button', id: 'account-register', onclick: (e: Event) => this.submit(e, 'register') }, 'Register'),
      ),
    );
    this.who = h('span', { id: 'account-who' });
    this.signedIn = h('div', { class: 'row account-signed-in', hidden: true }, this.who, h('button', { type: 'button', id: 'account-logout', onclick: () => void this.logout() }, 'Sign out'));
    this.element = h('section', { id: 'account', class: 'admin-section', 'aria-labelledby': 'account-heading' }, h('h2', { id: 'account-heading' }, 'Account'), this.form, this.signedIn, this.note);
  }

  async load(): Promise<void> {
    try {
      this.set((await api<{ user: User | null }>('GET', '/api/auth/me')).user);
    } catch (err) {
      this.note.textContent = `Could not check the account: ${failure(err)}`;
    }
  }

  private async submit(event: Event, how: 'login' | 'register'): Promise<void> {
    event.preventDefault();
    if (!this.form.reportValidity()) return;
    this.note.textContent = how === 'login' ? 'Signing in…' : 'Registering…';
    try {
      const { user } = await api<{ user: User }>('POST', `/api/auth/${how}`, { username: this.username.value, password: this.password.value });
      this.password.value = '';
      this.note.textContent = how === 'login' ? '' : 'Registered and signed in';
      this.set(user);
    } catch (err) {
      this.note.textContent = failure(err);
    }
  }

  private async logout(): Promise<void> {
    try {
      await api('POST', '/api/auth/logout', {});
      this.note.textContent = 'Signed out';
      this.set(null);
    } catch (err) {
      this.note.textContent = failure(err);
    }
  }

  private set(user: User | null): void {
    const changed = user?.id !== this.user?.id || user?.role !== this.user?.role;
    this.user = user;
    this.form.hidden = user !== null;
    this.signedIn.hidden = user === null;
    this.who.textContent = user === null ? '' : `Signed in as ${user.username}${user.role === 'user' ? '' : ` (${user.role})`}`;
    if (!changed && this.known) return;
    const first = !this.known;
    this.known = true;
    this.onUser(user, first);
  }
}
