// Words and small pieces of the widget's view.

import { h } from "../../shared/dom.js";
import { ctx } from "./state.js";

// A word with its one {field} filled in; a [singular, plural] pair picks by n.
export const say = (key, value) => {
  const text = ctx.T[key];
  return (Array.isArray(text) ? text[value === 1 ? 0 : 1] : text).replace(/\{\w+\}/, () => value);
};

// Focusable, so focusView can move the visitor to what just happened.
export const notice = (testid, text) => h("div", { class: "note", "data-testid": testid, role: "status", tabindex: "-1" }, h("strong", { text }));

export const timeOf = (iso) => {
  const date = new Date(iso);
  return isNaN(date) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
};

export const dayOf = (iso) => {
  const date = new Date(iso);
  if (isNaN(date)) return "";
  if (date.toDateString() === new Date().toDateString()) return timeOf(iso);
  return date.toLocaleDateString([], { day: "numeric", month: "short" });
};

