// A reply drafted from the help articles for the visitor's latest lines
// (GET /api/agent/tickets/<id>/suggestion/), offered above the composer: send it
// as it is, edit it in the composer first, or dismiss it. Nothing is sent or
// stored until the agent says so.

import { h, setText } from "./dom.js";
import { sourceLinks } from "./conversation.js";

export class SuggestionView {
  /**
   * @param {HTMLElement} el
   * @param {{load(id), send(body), edit(body)}} hooks
   */
  constructor(el, hooks) {
    this.el = el;
    this.hooks = hooks;
    this.ticketId = null;
    this.body = "";
    this.dismissed = new Set(); // tickets whose suggestion the agent waved away
    this.text = h("p", { class: "suggestion-body", "data-testid": "suggestion-body" });
    this.sources = h("div", { class: "suggestion-sources" });
    const button = (testid, label, cls, onclick) =>
      h("button", { type: "button", class: `btn ${cls} btn-small`, "data-testid": testid, onclick }, label);
    el.replaceChildren(
      h("div", { class: "suggestion-title" }, "Suggested reply, from the help articles"),
      this.text,
      this.sources,
      h("div", { class: "suggestion-actions" },
        button("suggestion-accept", "Send", "btn-primary", () => this.done(this.hooks.send)),
        button("suggestion-edit", "Edit", "btn-secondary", () => this.done(this.hooks.edit)),
        button("suggestion-dismiss", "Dismiss", "btn-ghost", () => this.done(null))),
    );
    el.hidden = true;
  }

  /** Ask for ticket `id`'s suggestion (null: none shown). */
  async show(id, { closed = false } = {}) {
    this.ticketId = id;
    this.el.hidden = true;
    if (!id || closed || this.dismissed.has(id)) return;
    let data;
    try {
      data = await this.hooks.load(id);
    } catch {
      return; // a help, never in the way
    }
    if (this.ticketId !== id || this.dismissed.has(id) || typeof data?.body !== "string" || !data.body) return;
    this.body = data.body;
    setText(this.text, data.body);
    this.sources.replaceChildren(...sourceLinks(data.sources));
    this.el.hidden = false;
  }

  done(then) {
    this.el.hidden = true;
    if (this.ticketId) this.dismissed.add(this.ticketId);
    if (then) then(this.body);
  }
}
