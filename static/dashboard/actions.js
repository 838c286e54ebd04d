// The ticket header's controls: assign, team (with an optional transfer note),
// status, priority and tags. Each change is one PATCH with only what changed;
// the answer re-renders, as does the ticket.updated frame every agent gets.

import { fillSelect, h, setText } from "./dom.js";
import { PRIORITY_LABELS, STATUS_LABELS } from "./labels.js";
import { assigneeId } from "./store.js";
import { agentStatus } from "./team.js";

// What a transfer to someone who is not there means, so the agent can think again.
const ABSENT_TEXT = {
  away: "They set themselves away, so they may not see this chat for a while. The visitor waits meanwhile.",
  offline: "They have no dashboard open, so they will not see this chat until they are back. The visitor waits meanwhile.",
};

const STATUS_OPTIONS = Object.entries(STATUS_LABELS).map(([value, label]) => ({ value, label }));
const PRIORITY_OPTIONS = Object.entries(PRIORITY_LABELS).map(([value, label]) => ({ value, label }));

/** Options for a select of people or teams, keeping the current one even when it
 *  is no longer listed (a deactivated agent, a deleted team). */
function choices(items, current, noneLabel) {
  const options = [{ value: "", label: noneLabel }];
  const listed = [...items].sort((a, b) => String(a.name).localeCompare(String(b.name)));
  if (current && !listed.some((item) => item.id === current.id)) listed.push(current);
  for (const item of listed) options.push({ value: String(item.id), label: item.name || `#${item.id}` });
  return options;
}

export class TicketActions {
  /**
   * @param root  the ticket header
   * @param save  (ticketId, fields) => Promise: PATCHes and applies the answer
   * @param confirm  ({title, text, confirm}) => Promise<boolean>: asks the agent
   */
  constructor(root, save, confirm) {
    this.save = save;
    this.confirm = confirm;
    this.ticket = null;
    this.context = { agents: [], teams: [], meId: null };
    this.pending = new Set(); // fields with a PATCH on its way: a render won't undo the user's choice
    const $ = (testid) => root.querySelector(`[data-testid='${testid}']`);
    this.assignMe = $("action-assign-me");
    this.assignee = $("action-assignee");
    this.team = $("action-team");
    this.note = $("action-note");
    this.status = $("action-status");
    this.priority = $("action-priority");
    this.tagInput = $("action-tags");
    this.tagList = root.querySelector(".tag-list");
    this.error = $("action-error");

    this.assignMe.addEventListener("click", () => this.assignToMe());
    this.assignee.addEventListener("change", () => this.transferTo(this.assignee.value));
    this.team.addEventListener("change", () => this.transfer("team", this.team.value));
    this.status.addEventListener("change", () => this.change({ status: this.status.value }));
    this.priority.addEventListener("change", () => this.change({ priority: this.priority.value }));
    this.tagInput.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.isComposing) return;
      event.preventDefault();
      this.addTags(this.tagInput.value);
    });
    this.tagList.addEventListener("click", (event) => {
      const chip = event.target.closest("[data-testid='tag-remove']")?.closest("[data-testid='tag-chip']");
      if (chip) this.removeTag(chip.dataset.tag);
    });
  }

  /** @param context {agents, teams, meId} */
  render(ticket, context = this.context) {
    if (ticket?.id !== this.ticket?.id) {
      this.showError("");
      this.note.value = "";
      this.tagInput.value = "";
    }
    this.ticket = ticket;
    this.context = context;
    if (!ticket) return;
    const mine = assigneeId(ticket) === context.meId;
    this.assignMe.disabled = mine;
    setText(this.assignMe, mine ? "Assigned to you" : "Assign to me");
    if (!this.pending.has("assignee")) {
      fillSelect(this.assignee, choices(context.agents, ticket.assignee, "Unassigned"), assigneeId(ticket) ?? "");
    }
    if (!this.pending.has("team")) {
      fillSelect(this.team, choices(context.teams, ticket.team, "No team"), ticket.team?.id ?? "");
    }
    if (!this.pending.has("status")) fillSelect(this.status, STATUS_OPTIONS, ticket.status);
    if (!this.pending.has("priority")) fillSelect(this.priority, PRIORITY_OPTIONS, ticket.priority);
    if (!this.pending.has("tags")) this.renderTags(ticket.tags ?? []);
  }

  renderTags(tags) {
    const current = [...this.tagList.children].map((chip) => chip.dataset.tag);
    if (current.length === tags.length && current.every((tag, i) => tag === tags[i])) return;
    this.tagList.replaceChildren(...tags.map((tag) => h("li", {
      class: "tag-chip", "data-testid": "tag-chip", "data-tag": tag,
    },
    h("span", { class: "tag-name" }, tag),
    h("button", {
      type: "button", class: "tag-remove", "data-testid": "tag-remove",
      "aria-label": `Remove tag ${tag}`, title: `Remove tag ${tag}`,
    }, "×"))));
  }

  assignToMe() {
    if (this.ticket && assigneeId(this.ticket) !== this.context.meId) {
      this.transfer("assignee", String(this.context.meId));
    }
  }

  resolve() {
    if (this.ticket && this.ticket.status !== "resolved") this.change({ status: "resolved" });
  }

  /** The assignee select: a colleague who is away or offline only once the agent
   *  confirms, as the chat would wait on someone who is not there. The server
   *  takes either; presence is what the dashboard already shows (team.js). */
  async transferTo(value) {
    const ticketId = this.ticket?.id;
    const agent = this.context.agents.find((a) => String(a.id) === value);
    const status = agent && agent.id !== this.context.meId ? agentStatus(agent) : "online";
    if (status !== "online") {
      const name = agent.name || `Agent ${agent.id}`;
      this.pending.add("assignee"); // the select shows the choice while we ask
      let yes = false;
      try {
        yes = await this.confirm({ title: `${name} is ${status}`, text: ABSENT_TEXT[status], confirm: "Transfer anyway" });
      } finally {
        this.pending.delete("assignee");
      }
      if (!yes || this.ticket?.id !== ticketId) {
        this.render(this.ticket); // back to who has it now
        return;
      }
    }
    this.transfer("assignee", value);
  }

  /** An assignee or team change, carrying the transfer note if one was written. */
  transfer(field, value) {
    const fields = { [field]: value === "" ? null : Number(value) };
    const note = this.note.value.trim();
    if (note) fields.note = note;
    this.change(fields, () => {
      if (note && this.note.value.trim() === note) this.note.value = "";
    });
  }

  addTags(text) {
    const tags = this.ticket?.tags ?? [];
    const known = new Set(tags.map((tag) => tag.toLowerCase()));
    const added = text.split(",").map((tag) => tag.trim()).filter((tag) => {
      if (!tag || known.has(tag.toLowerCase())) return false;
      known.add(tag.toLowerCase());
      return true;
    });
    if (!added.length) {
      this.tagInput.value = "";
      return;
    }
    this.change({ tags: [...tags, ...added] }, () => {
      this.tagInput.value = "";
    });
  }

  removeTag(tag) {
    const tags = this.ticket?.tags ?? [];
    this.tagInput.focus(); // the chip's button is about to go away
    this.change({ tags: tags.filter((t) => t !== tag) });
  }

  async change(fields, onSaved = () => {}) {
    const ticketId = this.ticket?.id;
    if (!ticketId) return;
    const keys = Object.keys(fields).filter((key) => key !== "note");
    keys.forEach((key) => this.pending.add(key));
    this.showError("");
    try {
      await this.save(ticketId, fields);
      if (this.ticket?.id === ticketId) onSaved();
    } catch (error) {
      if (this.ticket?.id === ticketId) this.showError(`Couldn't save: ${error.message}`);
    } finally {
      keys.forEach((key) => this.pending.delete(key));
      this.render(this.ticket); // back to what the server holds, if it refused
    }
  }

  showError(text) {
    setText(this.error, text);
    this.error.hidden = !text;
  }
}
