// The conversation's bubbles: the held messages in seq order, then what still
// waits in the outbox; links and attachments made safe.

import { h } from "../../shared/dom.js";
import { discard, retry } from "./delivery.js";
import { SERVER } from "./env.js";
import { timeOf } from "./look.js";
import { ctx, log, state, uploads } from "./state.js";
export function items() {
  const out = [];
  const keys = new Set();
  for (const m of log.ordered()) {
    if (m.internal) continue;
    keys.add("c:" + m.client_id);
    const own = m.sender.type === "visitor";
    const type = ["visitor", "agent", "bot", "system"].includes(m.sender.type) ? m.sender.type : "agent";
    out.push({
      key: m.client_id ? "c:" + m.client_id : "s:" + m.seq,
      seq: m.seq,
      type,
      name: own || type === "system" ? "" : m.sender.name || ctx.T.support,
      av: m.sender.avatar,
      body: m.body,
      att: m.attachment,
      time: timeOf(m.created_at),
      state: "sent",
      seen: own && m.seq <= ctx.agentSeen,
    });
  }
  for (const e of [...state.outbox, ...uploads.values()]) {
    if (e.ticket !== state.ticket || keys.has("c:" + e.client_id)) continue;
    const f = e.file;
    out.push({
      key: "c:" + e.client_id,
      seq: "",
      type: "visitor",
      name: "",
      body: e.body,
      att: f && { name: f.name, content_type: f.type, size: f.size },
      time: "",
      state: e.failed ? "failed" : "pending",
      error: e.failed || "",
      clientId: e.client_id,
    });
  }
  return out;
}

const sizeOf = (n) => (n < 1048576 ? Math.ceil(n / 1024) + " KB" : (n / 1048576).toFixed(1) + " MB");

// `url` is a path on the server; anything that would lead elsewhere stays unlinked.
function attachment(a) {
  const url = a.url && new URL(a.url, SERVER);
  const link = url && url.origin === SERVER ? { href: url.href, target: "_blank", rel: "noopener noreferrer" } : {};
  const image = link.href && /^image\//.test(a.content_type);
  return h(
    link.href ? "a" : "span",
    { class: "att", "data-testid": "parley-attachment", "data-content-type": a.content_type, ...link },
    image ? h("img", { src: link.href, alt: a.name }) : h("span", { text: `📄 ${a.name} (${sizeOf(a.size)})` })
  );
}

// Only http and https addresses become links; everything else stays text.
function linkify(text) {
  const out = [];
  let at = 0;
  for (const m of text.matchAll(/\bhttps?:\/\/[^\s<>"]*[^\s<>".,;:!?'()[\]{}]/gi)) {
    out.push(text.slice(at, m.index), h("a", { href: m[0], target: "_blank", rel: "noopener noreferrer nofollow", text: m[0] }));
    at = m.index + m[0].length;
  }
  out.push(text.slice(at));
  return out;
}

export function bubble(item, continued) {
  const meta = h("div", { class: "meta" });
  if (item.time) meta.append(h("span", { text: item.time }));
  if (item.type === "visitor") {
    if (item.state === "pending") meta.append(h("span", { text: ctx.T.sending }));
    const seen = item.seen ? ctx.T.seen : ctx.T.sent;
    if (item.state === "sent") meta.append(h("span", { class: "tick", title: seen, "aria-label": seen, text: item.seen ? "✓✓" : "✓" }));
    if (item.state === "failed")
      meta.append(
        h("span", { class: "failed", title: item.error, text: ctx.T.notSent }),
        h("button", { type: "button", class: "retry", text: ctx.T.retry, onclick: () => retry(item.clientId) }),
        h("button", { type: "button", class: "retry", text: ctx.T.remove, onclick: () => discard(item.clientId) })
      );
  }
  return h(
    "div",
    {
      class: continued ? "msg cont" : "msg",
      "data-testid": "parley-message",
      "data-seq": String(item.seq),
      "data-sender-type": item.type,
      "data-state": item.state,
    },
    item.name && !continued
      ? h("div", { class: "name" }, /^\/api\/avatars\/\d+\/$/.test(item.av) && h("img", { class: "av", src: SERVER + item.av, alt: "" }), item.name)
      : null,
    h("div", { class: "bubble" }, item.att && attachment(item.att), ...linkify(item.body)),
    item.type === "system" ? null : meta
  );
}

