// The conversation's bubbles: the held messages in seq order, then what still
// waits in the outbox; links and attachments made safe.

import { h } from "../../shared/dom.js";
import { withSize } from "../../shared/size.js";
import { draftShows, safeSources } from "./answer.js";
import { rate } from "./assistant.js";
import { discard, retry } from "./delivery.js";
import { SERVER } from "./env.js";
import { timeOf } from "./look.js";
import { ctx, log, state, ticketInfo, uploads } from "./state.js";

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
      // An answer of the assistant's: its thumbs, as this visitor gave them.
      thumbs: type === "bot" ? ticketInfo().answers?.[m.id] : undefined,
      id: m.id,
    });
  }
  // The assistant's answer as it is written, until the stored line is held.
  const a = ctx.answer;
  if (a && a.ticket === state.ticket) {
    if (!keys.has("c:" + a.clientId)) {
      keys.add("c:" + a.clientId);
      out.push({ key: "c:" + a.clientId, seq: "", type: "visitor", name: "", body: a.body, time: "", state: "pending" });
    }
    if (draftShows(a, log.ordered()) && (a.text || a.sources.length)) {
      const name = ctx.T.assistant;
      out.push({ key: "a:" + a.clientId, seq: "", type: "bot", name, body: a.text, time: "", state: "streaming", sources: a.sources });
    }
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
      rejected: Boolean(e.rejected),
      clientId: e.client_id,
    });
  }
  return out;
}

// `url` is a path on the server; anything that would lead elsewhere stays unlinked.
function attachment(a) {
  const url = a.url && new URL(a.url, SERVER);
  const link = url && url.origin === SERVER ? { href: url.href, target: "_blank", rel: "noopener noreferrer" } : {};
  const image = link.href && /^image\//.test(a.content_type);
  return h(
    link.href ? "a" : "span",
    { class: "att", "data-testid": "parley-attachment", "data-content-type": a.content_type, ...link },
    image ? h("img", { src: link.href, alt: a.name }) : h("span", { text: `📄 ${withSize(a.name, a.size)}` })
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
  if (item.thumbs !== undefined) meta.append(...[true, false].map((up) => thumb(item.id, up, item.thumbs)));
  if (item.type === "visitor") {
    if (item.state === "pending") meta.append(h("span", { text: ctx.T.sending }));
    const seen = item.seen ? ctx.T.seen : ctx.T.sent;
    if (item.state === "sent") meta.append(h("span", { class: "tick", title: seen, "aria-label": seen, text: item.seen ? "✓✓" : "✓" }));
    if (item.state === "failed")
      meta.append(
        h("span", { class: "failed", title: item.error, text: ctx.T.notSent }),
        ...(item.rejected ? [] : [h("button", { type: "button", class: "retry", text: ctx.T.retry, onclick: () => retry(item.clientId) })]),
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
    h(
      "div",
      { class: "bubble" },
      item.att && attachment(item.att),
      ...(item.type === "bot" ? botText(item.body) : linkify(item.body)),
      item.sources && item.sources.length ? sourceList(item.sources) : null
    ),
    item.type === "system" ? null : meta
  );
}


// The assistant's stored line ends with its sources as "- Title: address"
// (chat/assistant/services.py reply_body): each becomes its title, linked.
function botText(body) {
  return body.split("\n").flatMap((line, i) => {
    const m = /^- (.+): (\S+)$/.exec(line);
    const [link] = m ? safeSources([{ title: m[1], url: m[2] }], SERVER) : [];
    const text = link ? ["- ", h("a", { href: link.href, target: "_blank", rel: "noopener noreferrer", "data-testid": "parley-source", text: link.title })] : linkify(line);
    return i ? ["\n", ...text] : text;
  });
}

// Where the answer came from: the help centre's articles, in a new tab.
function sourceList(sources) {
  return h(
    "ul",
    { class: "sources", "data-testid": "parley-sources", "aria-label": ctx.T.sources },
    ...safeSources(sources, SERVER).map((s) =>
      h("li", {}, h("a", { href: s.href, target: "_blank", rel: "noopener noreferrer", "data-testid": "parley-source", text: s.title }))
    )
  );
}

// `given`: true, false, or 0 when not rated yet.
const thumb = (id, up, given) =>
  h("button", {
    type: "button",
    class: "thumb",
    "data-testid": up ? "parley-thumb-up" : "parley-thumb-down",
    "aria-label": up ? ctx.T.helpful : ctx.T.unhelpful,
    title: up ? ctx.T.helpful : ctx.T.unhelpful,
    "aria-pressed": String(given === up),
    text: up ? "👍" : "👎",
    onclick: () => rate(id, up),
  });
