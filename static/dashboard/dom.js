// Small DOM and formatting helpers. Text from visitors and agents only ever goes
// into the page as text nodes (textContent), never as HTML: h() is the one the
// widget uses too (static/shared/dom.js).

import { h } from "../shared/dom.js";

export { h };

/** Set an element's text only when it changed (keeps selections and screen readers calm). */
export function setText(el, text) {
  const value = text === null || text === undefined ? "" : String(text);
  if (el.textContent !== value) el.textContent = value;
}

/** Set or remove an attribute only when it changed. */
export function setAttr(el, name, value) {
  if (value === null || value === undefined || value === false) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
    return;
  }
  const text = value === true ? "" : String(value);
  if (el.getAttribute(name) !== text) el.setAttribute(name, text);
}

export const byId = (id) => document.getElementById(id);

/** Replace a <select>'s options, keeping the element (and its focus) when they are
 *  the same; then select `value`. `options`: [{value, label}]. */
export function fillSelect(select, options, value) {
  const same = select.options.length === options.length
    && options.every((o, i) => select.options[i].value === String(o.value)
      && select.options[i].textContent === o.label);
  if (!same) {
    select.replaceChildren(...options.map((o) => h("option", { value: o.value }, o.label)));
  }
  const wanted = String(value ?? "");
  if (select.value !== wanted) select.value = wanted;
}

/** The URL if it is http(s), else null: data never becomes a javascript: link. */
function httpUrl(value) {
  if (typeof value !== "string" || !value) return null;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** Show `value` in `el`: a link opening in a new tab when it is http(s), else text. */
export function setLinkOrText(el, value, fallback = "") {
  const href = httpUrl(value);
  const content = href
    ? h("a", { href, target: "_blank", rel: "noopener noreferrer" }, value)
    : (value || fallback);
  el.replaceChildren(content);
  setAttr(el, "title", value || null);
}

/** Is the user typing into this element (so single-key shortcuts must stay out)? */
export function isTypingTarget(el) {
  if (!(el instanceof Element)) return false;
  if (el.isContentEditable) return true;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (!(el instanceof HTMLInputElement)) return false;
  return !["button", "checkbox", "radio", "submit", "reset", "file", "range", "color"].includes(el.type);
}

/** Call `fn` once things have been quiet for `ms`. */
export function debounce(fn, ms) {
  let timer = null;
  const run = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  run.cancel = () => clearTimeout(timer);
  return run;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const weekdayFormat = new Intl.DateTimeFormat(undefined, { weekday: "short" });
const dayFormat = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });
const dayTimeFormat = new Intl.DateTimeFormat(undefined, {
  day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
});
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" });

function asDate(value) {
  if (!value) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth()
    && a.getDate() === b.getDate();
}

/** A message timestamp in local time: "14:05" today, "12 Mar, 14:05" otherwise. */
export function messageTime(value) {
  const date = asDate(value);
  if (!date) return "";
  return sameDay(date, new Date()) ? timeFormat.format(date) : dayTimeFormat.format(date);
}

/** A compact inbox timestamp: "14:05" today, weekday this week, else "12 Mar". */
export function shortTime(value) {
  const date = asDate(value);
  if (!date) return "";
  const now = new Date();
  if (sameDay(date, now)) return timeFormat.format(date);
  if (now - date < 6 * 24 * 3600 * 1000) return weekdayFormat.format(date);
  return dayFormat.format(date);
}

/** How long someone has waited, for an inbox row: "waiting 4 min". */
export function waitLabel(since, now = Date.now()) {
  const date = asDate(since);
  if (!date) return "";
  const minutes = Math.max(0, Math.floor((now - date.getTime()) / 60_000));
  if (minutes < 1) return "waiting <1 min";
  if (minutes < 60) return `waiting ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `waiting ${hours} h ${minutes % 60} min`;
  return `waiting ${Math.floor(hours / 24)} d`;
}

/** Full local date and time, for title tooltips and <time> elements. */
export function fullTime(value) {
  const date = asDate(value);
  return date ? fullFormat.format(date) : "";
}
