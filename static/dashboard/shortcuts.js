// Single-key shortcuts for a shift at the keyboard, and the "?" help dialog that
// lists them. Keys are ignored while typing in a field (except Escape) and while
// a modifier is held, so they never eat text or browser shortcuts.

import { h, isTypingTarget } from "./dom.js";

/** What the help dialog lists, in order. `keys` are shown as typed. */
const SHORTCUTS = [
  { keys: ["j", "↓"], does: "Next conversation in the list" },
  { keys: ["k", "↑"], does: "Previous conversation in the list" },
  { keys: ["Enter", "o"], does: "Open the selected conversation" },
  { keys: ["a"], does: "Assign the open conversation to me" },
  { keys: ["e"], does: "Resolve the open conversation" },
  { keys: ["1", "2", "3", "4"], does: "Show Unassigned, Mine, All, Resolved" },
  { keys: ["/"], does: "Search conversations" },
  { keys: ["c"], does: "Write a reply" },
  { keys: ["n"], does: "Switch between reply and internal note" },
  { keys: ["?"], does: "Show these shortcuts" },
  { keys: ["Esc"], does: "Close a menu or dialog, leave the search" },
];

/** Fill and wire the help dialog. */
export function setUpHelp(dialog, opener) {
  const list = dialog.querySelector(".shortcut-list");
  list.replaceChildren(...SHORTCUTS.flatMap(({ keys, does }) => [
    h("dt", {}, ...keys.flatMap((key, i) => [i ? " / " : null, h("kbd", {}, key)])),
    h("dd", {}, does),
  ]));
  opener.addEventListener("click", () => dialog.showModal());
  // A click on the backdrop (outside the dialog's box) closes it too.
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) dialog.close();
  });
}

/**
 * @param actions {next, previous, openSelected, assignToMe, resolve, view(n),
 *                 search, compose, toggleNote, help, escape, listHasFocus()}
 */
export function bindShortcuts(actions) {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (document.querySelector("dialog[open]")) return; // the dialog handles its own keys
    if (event.key === "Escape") {
      if (actions.escape()) event.preventDefault();
      return;
    }
    if (isTypingTarget(event.target)) return;
    const run = keyAction(event, actions);
    if (run) {
      event.preventDefault();
      run();
    }
  });
}

function keyAction(event, actions) {
  switch (event.key) {
    case "j": return actions.next;
    case "k": return actions.previous;
    // Arrows keep scrolling the thread and the page; they move in the list only
    // from the list itself or from nowhere in particular.
    case "ArrowDown": return movesList(event, actions) ? actions.next : null;
    case "ArrowUp": return movesList(event, actions) ? actions.previous : null;
    case "o": return actions.openSelected;
    case "a": return actions.assignToMe;
    case "e": return actions.resolve;
    case "1": case "2": case "3": case "4": return () => actions.view(Number(event.key) - 1);
    case "/": return actions.search;
    case "c": return actions.compose;
    case "n": return actions.toggleNote;
    case "?": return actions.help;
    default: return null;
  }
}

function movesList(event, actions) {
  return event.target === document.body || actions.listHasFocus();
}
