// The topbar's "n of m agents available" and the team list it opens: every agent
// with their live status (online, away, or offline once their last tab closed).

import { h, setAttr, setText } from "./dom.js";

const STATUS_TEXT = { online: "Online", away: "Away", offline: "Offline" };
const ORDER = { online: 0, away: 1, offline: 2 };

/** "online" or "away" as the agent chose, while they have a dashboard open;
 *  "offline" when they have none. */
export function agentStatus(agent) {
  if (!agent.connected) return "offline";
  return agent.status === "online" ? "online" : "away";
}

export class TeamView {
  /**
   * @param toggle  the topbar button
   * @param panel   the popover it opens, holding the <ul data-testid="team-list">
   */
  constructor(toggle, panel) {
    this.toggle = toggle;
    this.panel = panel;
    this.list = panel.querySelector("[data-testid='team-list']");
    toggle.addEventListener("click", () => this.setOpen(panel.hidden));
    document.addEventListener("pointerdown", (event) => {
      if (!panel.hidden && !panel.contains(event.target) && !toggle.contains(event.target)) {
        this.setOpen(false);
      }
    });
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        this.setOpen(false);
        toggle.focus();
      }
    });
  }

  get open() {
    return !this.panel.hidden;
  }

  setOpen(open) {
    this.panel.hidden = !open;
    setAttr(this.toggle, "aria-expanded", open ? "true" : "false");
  }

  render(agents, meId) {
    const available = agents.filter((a) => agentStatus(a) === "online");
    this.toggle.hidden = agents.length === 0;
    setText(this.toggle, `${available.length} of ${agents.length} agents available`);
    const sorted = [...agents].sort((a, b) => ORDER[agentStatus(a)] - ORDER[agentStatus(b)]
      || String(a.name).localeCompare(String(b.name)));
    this.list.replaceChildren(...sorted.map((agent) => {
      const status = agentStatus(agent);
      return h("li", {
        class: "team-member", "data-testid": "team-member", "data-user-id": agent.id, "data-status": status,
      },
      h("span", { class: "team-dot", "aria-hidden": "true" }),
      h("span", { class: "team-name" }, agent.name || `Agent ${agent.id}`, agent.id === meId ? " (you)" : ""),
      h("span", { class: "team-status" }, STATUS_TEXT[status]));
    }));
  }
}
