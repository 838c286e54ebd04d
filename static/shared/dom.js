// Building elements from data, for both front ends: strings only ever become
// text nodes (textContent), never markup.

/**
 * h("span", {class: "badge", "data-x": 1, text: "3", onclick: fn}, child, "text")
 * `text` sets textContent; `on…` functions become listeners; other values go
 * through setAttribute (true as "", null/undefined/false left out). Children may
 * be nodes, strings (text nodes) or arrays of them; null/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") el.textContent = value;
    else if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "object" ? child : String(child));
  }
  return el;
}
