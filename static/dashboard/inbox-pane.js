// The inbox pane: which view (or search) is showing, the REST-paged lists behind
// the resolved view and search results, the tab counts, and moving through the
// rows from the keyboard. Open views come from the socket's state (store.js).

import { api, nextCursor } from "./api.js";
import { debounce, setAttr, setText } from "./dom.js";
import { InboxView, ViewTabs } from "./inbox.js";
import { VIEWS, isEnded } from "./store.js";

const WAIT_TICK_MS = 30_000; // "waiting 4 min" moves on
const COUNTS_DEBOUNCE_MS = 1_000; // a burst of resolves costs one count request
const LOAD_MORE_MARGIN_PX = 150;
const VIEW_KEY = "parley.inbox.view";

const EMPTY_TEXT = {
  unassigned: "Nobody is waiting for an agent.",
  mine: "Nothing is assigned to you.",
  all: "No open conversations. New chats appear here.",
  resolved: "No resolved conversations yet.",
};

/** A ticket list the server pages with a cursor: the resolved view, or search results. */
class PagedTickets {
  constructor(store, query) {
    this.store = store;
    this.query = query; // {view} or {q}
    this.ids = [];
    this.snippets = new Map(); // ticket id -> the text that matched (search)
    this.cursor = null;
    this.done = false;
    this.loaded = false;
    this.loading = false;
    this.error = "";
    this.generation = 0; // a fresh load makes answers to older requests stale
  }

  /** The next page, or the first again with `fresh` (keeping the rows until it comes). */
  async load({ fresh = false } = {}) {
    if (!fresh && (this.loading || this.done)) return;
    const generation = ++this.generation;
    this.loading = true;
    this.error = "";
    try {
      const page = await api.tickets({ ...this.query, cursor: fresh ? null : this.cursor });
      if (generation !== this.generation) return;
      if (fresh) {
        this.ids = [];
        this.snippets.clear();
      }
      for (const { match, ...ticket } of page?.results ?? []) {
        this.store.upsertTicket(ticket);
        if (!this.ids.includes(ticket.id)) this.ids.push(ticket.id);
        if (match?.snippet) this.snippets.set(ticket.id, match.snippet);
      }
      this.cursor = nextCursor(page);
      this.done = !this.cursor;
      this.loaded = true;
    } catch (error) {
      if (generation === this.generation) this.error = error.message;
    } finally {
      if (generation === this.generation) this.loading = false;
    }
  }

  tickets() {
    return this.ids.map((id) => this.store.tickets.get(id)).filter(Boolean);
  }
}

function savedView() {
  try {
    const view = localStorage.getItem(VIEW_KEY);
    return VIEWS.includes(view) ? view : "all";
  } catch {
    return "all"; // storage blocked
  }
}

export class InboxPane {
  /**
   * @param store
   * @param el       {tablist, list, scroller, loadMore, searchForm, searchInput,
   *                  searchClear, searchHeader, searchTitle}
   * @param onOpen   (id, {viaKeyboard}) => void
   */
  constructor(store, el, onOpen) {
    this.store = store;
    this.el = el;
    this.onOpen = onOpen;
    this.view = savedView();
    this.resolved = new PagedTickets(store, { view: "resolved" });
    this.search = null; // PagedTickets of the running search
    this.resolvedCount = undefined;
    this.ready = false; // the socket's first welcome has filled the open views
    this.list = new InboxView(el.list, onOpen);
    this.tabs = new ViewTabs(el.tablist, (view) => this.setView(view));
    this.refreshCounts = debounce(() => this.loadCounts(), COUNTS_DEBOUNCE_MS);

    el.loadMore.addEventListener("click", () => this.loadMore());
    el.scroller.addEventListener("scroll", () => {
      const { scrollTop, scrollHeight, clientHeight } = el.scroller;
      if (scrollHeight - scrollTop - clientHeight < LOAD_MORE_MARGIN_PX) this.loadMore({ auto: true });
    }, { passive: true });
    el.searchForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.runSearch(el.searchInput.value);
    });
    el.searchInput.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      event.preventDefault(); // Chromium would also clear the field: we do it ourselves
      this.clearSearch();
    });
    el.searchClear.addEventListener("click", () => {
      this.clearSearch();
      el.searchInput.focus();
    });
    setInterval(() => this.render(), WAIT_TICK_MS);
  }

  /** The paged list on screen, if the open views aren't. */
  get paged() {
    if (this.search) return this.search;
    return this.view === "resolved" ? this.resolved : null;
  }

  get searching() {
    return this.search !== null;
  }

  render() {
    const { store } = this;
    const paged = this.paged;
    let tickets;
    let emptyText;
    if (this.search) {
      tickets = this.search.tickets();
      emptyText = this.search.error
        || (this.search.loaded ? `No conversations match “${this.search.query.q}”.` : "Searching…");
    } else if (paged) {
      tickets = paged.tickets().filter(isEnded); // a reopened one leaves at once
      emptyText = paged.error || (paged.loaded ? EMPTY_TEXT.resolved : "Loading…");
    } else {
      tickets = store.viewTickets(this.view);
      emptyText = this.ready ? EMPTY_TEXT[this.view] : "Loading conversations…";
    }
    this.list.render(tickets, {
      currentId: store.currentId,
      unreadOf: (id) => store.unreadCount(id),
      snippets: this.search?.snippets,
      emptyText,
      busy: paged ? paged.loading : !this.ready,
    });

    const more = paged && !paged.done && (paged.loaded || paged.error);
    this.el.loadMore.hidden = !more;
    this.el.loadMore.disabled = Boolean(paged?.loading);
    setText(this.el.loadMore, paged?.error ? "Try again" : paged?.loading ? "Loading…" : "Load more");

    this.tabs.render(this.view, { ...store.openCounts(), resolved: this.resolvedCount });
    setAttr(this.el.tablist.parentElement, "data-searching", this.searching ? "true" : null);
    this.el.searchHeader.hidden = !this.search;
    if (this.search) {
      const q = this.search.query.q;
      setText(this.el.searchTitle, this.search.loading && !this.search.loaded
        ? `Searching for “${q}”…` : `Results for “${q}”`);
    }
  }

  setView(view) {
    if (!VIEWS.includes(view)) return;
    const changed = view !== this.view || this.searching;
    this.view = view;
    try {
      localStorage.setItem(VIEW_KEY, view);
    } catch { /* storage blocked: the view just isn't remembered */ }
    if (this.searching) this.endSearch();
    if (view === "resolved") this.reloadPaged(this.resolved);
    if (changed) this.el.scroller.scrollTop = 0;
    this.render();
  }

  runSearch(text) {
    const q = text.trim();
    if (!q) {
      this.clearSearch();
      return;
    }
    this.search = new PagedTickets(this.store, { q });
    this.el.scroller.scrollTop = 0;
    this.reloadPaged(this.search);
  }

  clearSearch() {
    this.el.searchInput.value = "";
    if (!this.searching) return;
    this.endSearch();
    this.el.scroller.scrollTop = 0;
    this.render();
  }

  endSearch() {
    this.search.generation += 1; // drop an answer still on its way
    this.search = null;
  }

  focusSearch() {
    this.el.searchInput.focus();
    this.el.searchInput.select();
  }

  async reloadPaged(paged) {
    const run = paged.load({ fresh: true });
    this.render();
    await run;
    this.render();
  }

  async loadMore({ auto = false } = {}) {
    const paged = this.paged;
    // Scrolling never retries a failure on its own; the button does.
    if (!paged || paged.loading || paged.done || (auto && (paged.error || !paged.loaded))) return;
    const run = paged.error && !paged.loaded ? paged.load({ fresh: true }) : paged.load();
    this.render();
    await run;
    this.render();
  }

  async loadCounts() {
    try {
      const counts = await api.counts();
      if (Number.isInteger(counts?.resolved)) this.resolvedCount = counts.resolved;
      this.render();
    } catch {
      /* the next change or reconnect asks again */
    }
  }

  /** A ticket changed (ticket.updated, or our own PATCH): keep the resolved view
   *  and its count in step. `previous` is what we held before, if anything. */
  ticketChanged(previous, ticket) {
    const ended = isEnded(ticket);
    if (previous && isEnded(previous) === ended) return;
    this.refreshCounts();
    if (ended && previous && this.resolved.loaded && !this.resolved.ids.includes(ticket.id)) {
      this.resolved.ids.unshift(ticket.id); // just resolved: the newest of the view
    }
  }

  /** On every welcome (the first, and after each reconnect): the open views are
   *  fresh, and what the socket doesn't carry may have changed too. */
  refresh() {
    this.ready = true;
    this.loadCounts();
    if (this.search) this.reloadPaged(this.search);
    else if (this.view === "resolved") this.reloadPaged(this.resolved);
  }

  /** Move the keyboard focus `delta` rows from the focused (or open) one. */
  move(delta) {
    const rows = this.list.rowButtons();
    if (!rows.length) return;
    let at = rows.indexOf(document.activeElement);
    if (at < 0) at = rows.findIndex((row) => row.getAttribute("aria-current") === "true");
    const next = at < 0
      ? (delta > 0 ? 0 : rows.length - 1)
      : Math.min(rows.length - 1, Math.max(0, at + delta));
    rows[next].focus({ preventScroll: true });
    rows[next].scrollIntoView({ block: "nearest" });
  }

  /** Open the row that has the keyboard focus, if one has. */
  openFocused() {
    const row = this.list.rowButtons().find((button) => button === document.activeElement);
    if (row) this.onOpen(Number(row.dataset.ticketId), { viaKeyboard: true });
  }

  /** Is the focus on the list (so arrow keys move through it)? */
  hasFocus() {
    return this.el.scroller.contains(document.activeElement);
  }
}
