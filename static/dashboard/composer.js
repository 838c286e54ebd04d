// The reply box: Enter sends, Shift+Enter breaks the line, the "Internal note"
// switch restyles it, "/" opens canned responses, the paperclip sends a file with
// the text as its caption, and typing start/stop frames are throttled.

import { CannedMenu } from "./canned.js";
import { setAttr, setText } from "./dom.js";

const TYPING_REFRESH_MS = 4_000; // resend "start" at most this often while typing
const TYPING_IDLE_MS = 3_000; // send "stop" after this long without a keystroke
const MAX_HEIGHT_PX = 220;

export class Composer {
  /**
   * @param {HTMLFormElement} form
   * @param {{send(body, internal), upload(file, caption, internal), typing(state),
   *          draftChanged(text, internal), canned(q)}} hooks
   */
  constructor(form, hooks) {
    this.form = form;
    this.hooks = hooks;
    const $ = (testid) => form.querySelector(`[data-testid='${testid}']`);
    this.input = $("composer-input");
    this.internal = $("composer-internal");
    this.sendButton = $("composer-send");
    this.attachButton = $("composer-attach");
    this.fileInput = $("composer-file");
    this.hint = form.querySelector("#composer-hint");
    this.canned = new CannedMenu(this.input, $("canned-menu"), hooks.canned);
    this.typingActive = false;
    this.typingSentAt = 0;
    this.idleTimer = null;
    this.offline = false;

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener("keydown", (event) => {
      if (this.canned.handleKey(event)) return;
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.altKey
          && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener("input", () => {
      this.autosize();
      this.refreshButton();
      this.canned.update();
      this.hooks.draftChanged(this.input.value, this.internal.checked);
      this.noteTyping();
    });
    // The caret can leave the "/word" without an edit.
    this.input.addEventListener("click", () => this.canned.update());
    this.input.addEventListener("blur", () => {
      this.canned.close();
      this.stopTyping();
    });
    this.internal.addEventListener("change", () => this.modeChanged());
    this.attachButton.addEventListener("click", () => this.fileInput.click());
    this.fileInput.addEventListener("change", () => {
      const [file] = this.fileInput.files;
      this.fileInput.value = ""; // the same file can be picked again
      if (file) this.sendFile(file);
    });
    this.applyMode();
  }

  /** Show the composer for a ticket with its saved draft (or hide it). */
  show(visible, { draft = "", internal = false, closed = false } = {}) {
    this.form.hidden = !visible;
    this.canned.close();
    if (!visible) return;
    this.input.value = draft;
    this.internal.checked = internal;
    this.closed = null; // so setClosed applies
    this.setClosed(closed);
    this.autosize();
  }

  setClosed(closed) {
    if (this.closed === closed) return;
    this.closed = closed;
    for (const control of [this.input, this.internal, this.attachButton]) control.disabled = closed;
    this.applyMode();
  }

  setOffline(offline) {
    this.offline = offline;
    this.applyMode();
  }

  focus() {
    if (!this.input.disabled && !this.form.hidden) this.input.focus({ preventScroll: true });
  }

  /** Flip between a reply and an internal note ("n"). */
  toggleInternal() {
    if (this.form.hidden || this.internal.disabled) return;
    this.internal.checked = !this.internal.checked;
    this.modeChanged();
  }

  modeChanged() {
    // Never tell the visitor we're typing while we write a note they won't see.
    if (this.internal.checked) this.stopTyping();
    this.applyMode();
    this.hooks.draftChanged(this.input.value, this.internal.checked);
    this.input.focus();
  }

  submit() {
    const body = this.input.value.trim();
    if (!body || this.closed) return;
    this.hooks.send(body, this.internal.checked);
    this.clear();
  }

  /** Send a file, with what is written so far as its caption. */
  sendFile(file) {
    if (this.closed) return;
    this.hooks.upload(file, this.input.value.trim(), this.internal.checked);
    this.clear();
  }

  /** Put `text` in the reply box to be edited (a suggested reply). */
  fill(text) {
    if (this.closed || this.form.hidden) return;
    this.internal.checked = false;
    this.applyMode();
    this.input.value = text;
    this.autosize();
    this.refreshButton();
    this.hooks.draftChanged(text, false);
    this.input.focus();
  }

  clear() {
    this.stopTyping();
    this.canned.close();
    this.input.value = "";
    this.autosize();
    this.refreshButton();
    this.hooks.draftChanged("", this.internal.checked);
    this.input.focus();
  }

  applyMode() {
    const internal = this.internal.checked;
    this.form.classList.toggle("is-internal", internal);
    setAttr(this.form, "data-mode", internal ? "internal" : "reply");
    this.input.placeholder = internal
      ? "Write an internal note (only agents see it)…"
      : "Reply to the visitor…  Enter sends, Shift+Enter adds a line, / for canned responses";
    setText(this.sendButton, internal ? "Add note" : "Send");
    setAttr(this.attachButton, "aria-label", internal ? "Attach a file to the note" : "Attach a file");
    let hint = internal ? "Internal note: only agents can see it" : "The visitor sees this reply";
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
