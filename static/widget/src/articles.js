// The help articles before a chat starts: "Search our articles", and articles
// suggested as the visitor types their first message (GET /api/widget/articles/,
// debounced). Links open the help centre in a new tab.

import { h } from "../../shared/dom.js";
import { safeSources } from "./answer.js";
import { api } from "./api.js";
import { KEY, SERVER } from "./env.js";
import { ctx, state } from "./state.js";
import { ui } from "./view.js";

const WAIT_MS = 300; // typing pauses this long before a search
const SHORTEST = 3; // characters worth searching for
const LONGEST = 200; // the endpoint's limit on `q`

let timer = 0;
let latest = 0; // the newest search asked: older answers are dropped

/** The box above the composer, hidden once a conversation is shown. */
export function articlesBox() {
  const results = h("div", { "data-testid": "parley-articles", "aria-live": "polite" });
  const input = h("input", {
    class: "input",
    type: "search",
    maxlength: String(LONGEST),
    placeholder: ctx.T.searchArticles,
    "aria-label": ctx.T.searchArticles,
    "data-testid": "parley-article-search",
    hidden: true,
    oninput: () => later(input.value, ctx.T.searchArticles),
    onkeydown: (e) => e.key === "Enter" && (e.preventDefault(), later(input.value, ctx.T.searchArticles, 0)),
  });
  const open = h("button", {
    type: "button",
    class: "link",
    "data-testid": "parley-search-articles",
    text: ctx.T.searchArticles,
    onclick: () => {
      open.hidden = true;
      input.hidden = false;
      input.focus();
    },
  });
  Object.assign(ui, { arts: h("div", { class: "arts" }, open, input, results), artsResults: results });
  return ui.arts;
}

/** The visitor's first message as they type it: articles that may answer it. */
export function suggest(text) {
  if (!state.ticket && ui.arts) later(text, ctx.T.articlesFound);
}

function later(text, heading, wait = WAIT_MS) {
  clearTimeout(timer);
  const q = text.trim().slice(0, LONGEST);
  if (q.length < SHORTEST) {
    latest++;
    return ui.artsResults.replaceChildren();
  }
  timer = setTimeout(() => search(q, heading), wait);
}

async function search(q, heading) {
  const mine = ++latest;
  let data;
  try {
    const query = new URLSearchParams({ key: KEY, q, lang: ctx.lang, limit: "3" });
    data = await api("GET", `/api/widget/articles/?${query}`, undefined, null);
  } catch {
    return; // suggestions are a help, never in the way
  }
  if (mine !== latest) return;
  const found = (data.results || []).map((r) => [safeSources([{ title: r.title, url: r.url }], SERVER)[0], r.snippet]);
  const links = found.filter(([link]) => link);
  ui.artsResults.replaceChildren(
    ...(links.length
      ? [
          h("strong", { text: heading }),
          h(
            "ul",
            {},
            ...links.map(([link, snippet]) =>
              h(
                "li",
                {},
                h("a", { href: link.href, target: "_blank", rel: "noopener noreferrer", "data-testid": "parley-article", text: link.title }),
                snippet ? h("div", { class: "snip", text: snippet }) : null
              )
            )
          ),
        ]
      : heading === ctx.T.searchArticles
        ? [h("span", { text: ctx.T.noArticles })]
        : [])
  );
}
