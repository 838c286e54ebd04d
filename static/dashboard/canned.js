// Canned responses in the composer: "/" at the start opens a menu filtered as
// you type; arrows choose, Enter or Tab put the body in place of the "/shortcut",
// Escape closes.

import { debounce, h, setAttr, setText } from "./dom.js";

const SEARCH_DELAY_MS = 150;
const TRIGGER = /^\/(\S*)$/; // the text before the caret, while it's one "/word"

export class CannedMenu {
  /**
   * @param input   the composer's textarea
   * @param menu    the menu container, holding a role=listbox list and a status line
   * @param search  (q) => Promise<{results: [{id, shortcut, body}]}>
   */
  constructor(input, menu, search) {
    this.input = input;
    this.menu = menu;
    this.list = menu.querySelector("[role='listbox']");
    this.status = menu.querySelector(".canned-status");
    this.search = search;
    this.results = []; // the last answer, shown until the next one comes
    this.loaded = false; // an answer has come since the menu opened
    this.error = "";
    this.active = 0;
    this.query = null; // what the open menu is filtered by; null when closed
    this.request = 0;
    this.dismissed = false; // Escape: stay closed until the "/word" is gone
    this.fetch = debounce((q) => this.load(q), SEARCH_DELAY_MS);

    setAttr(input, "aria-controls", this.list.id);
    setAttr(input, "aria-autocomplete", "list");
    // mousedown would move the focus out of the textarea before the click lands.
    this.list.addEventListener("mousedown", (event) => event.preventDefault());
    this.list.addEventListener("click", (event) => {
      const option = event.target.closest("[role='option']");
      if (option) this.insert(Number(option.dataset.index));
    });
  }

  get open() {
    return this.query !== null;
  }

  /** After each edit or caret move: open, refilter or close. */
  update() {
    const before = this.input.value.slice(0, this.input.selectionStart);
    const match = TRIGGER.exec(before);
    if (!match) {
      this.dismissed = false;
      this.close();
      return;
    }
    if (this.dismissed || match[1] === this.query) return;
    this.query = match[1];
    this.menu.hidden = false;
    this.render();
    this.fetch(this.query);
  }

  async load(q) {
    const request = ++this.request;
    try {
      const data = await this.search(q);
      if (request !== this.request || this.query !== q) return;
      this.results = data?.results ?? [];
      this.error = "";
    } catch (error) {
      if (request !== this.request) return;
      this.results = [];
      this.error = error.message;
    }
    this.active = 0;
    this.loaded = true;
    this.render();
  }

  render() {
    if (!this.open) return;
    const shown = this.results;
    this.list.replaceChildren(...shown.map((item, index) => h("li", {
      role: "option",
      id: `canned-option-${index}`,
      class: "canned-option",
      "data-testid": "canned-option",
      "data-shortcut": item.shortcut,
      "data-index": index,
      "aria-selected": index === this.active ? "true" : "false",
    },
    h("span", { class: "canned-shortcut" }, `/${item.shortcut}`),
    h("span", { class: "canned-body" }, item.body))));
    let status = "";
    if (!this.loaded) status = "Looking for canned responses…";
    else if (this.error) status = `Couldn't load canned responses: ${this.error}`;
    else if (!shown.length) status = `No canned response matches “/${this.query}”.`;
    setText(this.status, status);
    this.status.hidden = !status;
    setAttr(this.input, "aria-activedescendant", shown.length ? `canned-option-${this.active}` : null);
    this.list.children[this.active]?.scrollIntoView({ block: "nearest" });
  }

  /** Keys while the menu is open; true if the key was ours. */
  handleKey(event) {
    if (!this.open || event.isComposing) return false;
    const count = this.results.length;
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp":
        if (!count) return false;
        this.active = (this.active + (event.key === "ArrowDown" ? 1 : -1) + count) % count;
        this.render();
        break;
      case "Enter":
      case "Tab":
        if (!count || event.shiftKey) return false;
        this.insert(this.active);
        break;
      case "Escape":
        this.dismissed = true;
        this.close();
        break;
      default:
        return false;
    }
    event.preventDefault();
    return true;
  }

  /** Replace the "/shortcut" with the response's body. */
  insert(index) {
    const item = this.results[index];
    if (!item) return;
    const { value } = this.input;
    const tokenEnd = /^\/\S*/.exec(value)?.[0].length ?? 0;
    this.input.value = item.body + value.slice(tokenEnd);
    this.input.setSelectionRange(item.body.length, item.body.length);
    this.close();
    this.input.focus();
    // The composer resizes, saves the draft and tells the visitor we're typing.
    this.input.dispatchEvent(new Event("input", { bubbles: true }));
  }

  close() {
    this.fetch.cancel();
    this.request += 1;
    this.query = null;
    this.loaded = false;
    this.error = "";
    this.results = [];
    this.menu.hidden = true;
    this.list.replaceChildren();
    setAttr(this.input, "aria-activedescendant", null);
  }
}
