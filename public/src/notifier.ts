// "Tell me when I can place again": a system notification and a short beep when
// a cooldown ends. Off by default; the choice is remembered.

const STORAGE_KEY = 'tessera.notify';

export class Notifier {
  enabled = localStorage.getItem(STORAGE_KEY) === '1';
  private audio: AudioContext | null = null;
  /** Times it fired, for tests. */
  fired = 0;

  async setEnabled(enabled: boolean): Promise<void> {
    this.enabled = enabled;
    localStorage.setItem(STORAGE_KEY, enabled ? '1' : '0');
    if (enabled) {
      // Asked here, inside the click that turned it on: browsers refuse permission prompts otherwise.
      if ('Notification' in window && Notification.permission === 'default') await Notification.requestPermission().catch(() => {});
      this.audio ??= new AudioContext();
    }
  }

  cooldownEnded(boardTitle: string): void {
    if (!this.enabled) return;
    this.fired++;
    this.beep();
    if ('Notification' in window && Notification.permission === 'granted' && document.hidden) {
      new Notification('Tessera', { body: `You can place again on ${boardTitle}`, tag: 'tessera-cooldown' });
    }
  }

  private beep(): void {
    const audio = this.audio;
    if (audio === null) return;
    const oscillator = audio.createOscillator();
    const gain = audio.createGain();
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.08, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.18);
    oscillator.connect(gain).connect(audio.destination);
    oscillator.start();
    oscillator.stop(audio.currentTime + 0.2);
  }
}
