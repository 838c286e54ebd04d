// The reply box: Enter sends, Shift+Enter breaks the line, the "Internal note"
// switch restyles it, and typing start/stop frames are throttled.

import { setAttr, setText } from "./dom.js";

const TYPING_REFRESH_MS = 4_000; // resend "start" at most this often while typing
const TYPING_IDLE_MS = 3_000; // send "stop" after this long without a keystroke
const MAX_HEIGHT_PX = 220;

export class Composer {
  /**
   * @param {HTMLFormElement} form
   * @param {{send(body, internal), typing(state), draftChanged(text, internal)}} hooks
   */
  constructor(form, hooks) {
    this.form = form;
    this.hooks = hooks;
    this.input = form.querySelector("[data-testid='composer-input']");
    this.internal = form.querySelector("[data-testid='composer-internal']");
    this.sendButton = form.querySelector("[data-testid='composer-send']");
    this.hint = form.querySelector("#composer-hint");
    this.typingActive = false;
    this.typingSentAt = 0;
    this.idleTimer = null;
    this.offline = false;

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.altKey
          && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener("input", () => {
      this.autosize();
      this.refreshButton();
      this.hooks.draftChanged(this.input.value, this.internal.checked);
      this.noteTyping();
    });
    this.input.addEventListener("blur", () => this.stopTyping());
    this.internal.addEventListener("change", () => {
      // Never tell the visitor we're typing while we write a note they won't see.
      if (this.internal.checked) this.stopTyping();
      this.applyMode();
      this.hooks.draftChanged(this.input.value, this.internal.checked);
      this.input.focus();
    });
    this.applyMode();
  }

  /** Show the composer for a ticket with its saved draft (or hide it). */
  show(visible, { draft = "", internal = false, closed = false } = {}) {
    this.form.hidden = !visible;
    if (!visible) return;
    this.input.value = draft;
    this.internal.checked = internal;
    this.closed = closed;
    this.input.disabled = closed;
    this.internal.disabled = closed;
    this.applyMode();
    this.autosize();
  }

  setClosed(closed) {
    if (this.closed === closed) return;
    this.closed = closed;
    this.input.disabled = closed;
    this.internal.disabled = closed;
    this.applyMode();
  }

  setOffline(offline) {
    this.offline = offline;
    this.applyMode();
  }

  focus() {
    if (!this.input.disabled) this.input.focus({ preventScroll: true });
  }

  submit() {
    const body = this.input.value.trim();
    if (!body || this.closed) return;
    const internal = this.internal.checked;
    this.stopTyping();
    this.hooks.send(body, internal);
    this.input.value = "";
    this.autosize();
    this.refreshButton();
    this.hooks.draftChanged("", internal);
    this.input.focus();
  }

  applyMode() {
    const internal = this.internal.checked;
    this.form.classList.toggle("is-internal", internal);
    setAttr(this.form, "data-mode", internal ? "internal" : "reply");
    this.input.placeholder = internal
      ? "Write an internal note (only agents see it)…"
      : "Reply to the visitor…  (Enter to send, Shift+Enter for a new line)";
    setText(this.sendButton, internal ? "Add note" : "Send");
    let hint = internal ? "Only agents can see this note" : "The visitor sees this reply";
    if (this.closed) hint = "This conversation is closed";
    else if (this.offline) hint = "Offline: messages are sent when the connection is back";
    setText(this.hint, hint);
    setAttr(this.hint, "data-tone", this.closed || this.offline ? "warn" : null);
    this.refreshButton();
  }

  refreshButton() {
    this.sendButton.disabled = Boolean(this.closed) || !this.input.value.trim();
  }

  autosize() {
    this.input.style.height = "auto";
    this.input.style.height = `${Math.min(this.input.scrollHeight + 2, MAX_HEIGHT_PX)}px`;
  }

  // --- typing frames ------------------------------------------------------------

  noteTyping() {
    if (this.internal.checked) return;
    if (!this.input.value.trim()) {
      this.stopTyping();
      return;
    }
    const now = Date.now();
    if (!this.typingActive || now - this.typingSentAt > TYPING_REFRESH_MS) {
      this.typingActive = true;
      this.typingSentAt = now;
      this.hooks.typing("start");
    }
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  stopTyping() {
    clearTimeout(this.idleTimer);
    if (!this.typingActive) return;
    this.typingActive = false;
    this.hooks.typing("stop");
  }
}
