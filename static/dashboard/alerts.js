// Telling the agent something new arrived: a short tone (made with WebAudio, no
// file) and, when they aren't looking, a desktop notification. Permission is only
// asked for from the "Enable desktop notifications" button, never on load.

const CHIME_GAP_MS = 1_500; // a burst of messages makes one sound

export class Alerts {
  /** @param enableButton shown only while the browser has not been asked yet
   *  @param prefs the agent's choices (settings page): `{sound, desktop}` */
  constructor(enableButton, prefs = { sound: true, desktop: true }) {
    this.enableButton = enableButton;
    this.prefs = prefs;
    this.audio = null;
    this.lastChime = 0;
    enableButton.addEventListener("click", async () => {
      try {
        await Notification.requestPermission();
      } finally {
        this.renderButton();
      }
    });
    // Browsers only let a page make sound after the user has interacted with it.
    const unlock = () => {
      this.audioContext()?.resume().catch(() => {});
    };
    document.addEventListener("pointerdown", unlock, { once: true, capture: true });
    document.addEventListener("keydown", unlock, { once: true, capture: true });
    document.addEventListener("visibilitychange", () => this.renderButton());
    this.renderButton();
  }

  renderButton() {
    this.enableButton.hidden =
      !this.prefs.desktop || !("Notification" in window) || Notification.permission !== "default";
  }

  audioContext() {
    if (!this.audio) {
      const AudioContext = window.AudioContext || window.webkitAudioContext;
      if (!AudioContext) return null;
      this.audio = new AudioContext();
    }
    return this.audio;
  }

  /** Two soft rising notes, about a quarter of a second. */
  chime() {
    if (!this.prefs.sound) return;
    const now = Date.now();
    if (now - this.lastChime < CHIME_GAP_MS) return;
    this.lastChime = now;
    const ctx = this.audioContext();
    if (!ctx || ctx.state !== "running") return;
    const start = ctx.currentTime;
    [[660, 0], [880, 0.12]].forEach(([frequency, delay]) => {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = frequency;
      gain.gain.setValueAtTime(0.0001, start + delay);
      gain.gain.exponentialRampToValueAtTime(0.12, start + delay + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + delay + 0.16);
      osc.connect(gain).connect(ctx.destination);
      osc.start(start + delay);
      osc.stop(start + delay + 0.18);
    });
  }

  /** A desktop notification, if allowed; `tag` replaces an earlier one for the
   *  same ticket instead of stacking. Clicking it focuses the tab and runs onClick. */
  notify({ title, body, tag, onClick }) {
    if (!this.prefs.desktop) return;
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    try {
      const note = new Notification(title, { body, tag });
      note.addEventListener("click", () => {
        window.focus();
        onClick?.();
        note.close();
      });
    } catch {
      /* some browsers only allow notifications from a service worker */
    }
  }
}
