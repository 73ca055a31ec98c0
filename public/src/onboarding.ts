// A first visit gets a short how-to over the board (dismissed for good with
// "Got it"); the ? key and button open the full list of controls in a dialog.

const WELCOMED_KEY = 'tessera.welcomed';

export interface OnboardingElements {
  welcome: HTMLElement;
  welcomeClose: HTMLButtonElement;
  welcomeHelp: HTMLButtonElement;
  help: HTMLDialogElement;
  helpButton: HTMLButtonElement;
}

export class Onboarding {
  /** A dialog opened or closed (toasts move into it and out). */
  onDialog: (dialog: HTMLDialogElement, open: boolean) => void = () => {};

  constructor(private readonly ui: OnboardingElements) {
    ui.welcome.hidden = localStorage.getItem(WELCOMED_KEY) === '1';
    ui.welcomeClose.addEventListener('click', () => this.dismissWelcome());
    ui.welcomeHelp.addEventListener('click', () => {
      this.dismissWelcome();
      this.showHelp();
    });
    ui.helpButton.addEventListener('click', () => this.showHelp());
    ui.help.addEventListener('close', () => this.onDialog(ui.help, false));
  }

  get helpOpen(): boolean {
    return this.ui.help.open;
  }

  showHelp(): void {
    if (this.ui.help.open) return;
    this.ui.help.showModal();
    this.onDialog(this.ui.help, true);
  }

  /** Hides the how-to for good. */
  dismissWelcome(): void {
    if (this.ui.welcome.hidden) return;
    this.ui.welcome.hidden = true;
    localStorage.setItem(WELCOMED_KEY, '1');
  }
}
