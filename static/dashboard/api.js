// The agent REST API (session cookie; non-GET requests carry the CSRF token).

export const LOGIN_URL = "/accounts/login/?next=/agent/";
export const HISTORY_PAGE_MAX = 500; // chat/serializers.py HISTORY_PAGE_MAX
export const HISTORY_PAGE = 50; // what a ticket opens with, and each older page

export class ApiError extends Error {
  constructor(status, body) {
    super(describeError(status, body));
    this.status = status;
    this.code = body?.code;
  }
}

/** The server's message, followed by what it said about each field, as one line. */
function describeError(status, body) {
  const parts = [];
  const collect = (value) => {
    if (typeof value === "string") parts.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === "object") Object.values(value).forEach(collect);
  };
  collect(body?.fields);
  const message = body?.message || `The server answered ${status}.`;
  return parts.length ? `${message} ${parts.join(" ")}` : message;
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export function goToLogin() {
  location.assign(LOGIN_URL);
}

/** `body`: an object sent as JSON, or FormData sent as multipart. */
export async function request(method, url, body) {
  const headers = { Accept: "application/json" };
  const multipart = body instanceof FormData;
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  if (body !== undefined && !multipart) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined || multipart ? body : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, { message: "The server could not be reached." });
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (response.status === 401 || (response.status === 403 && data?.code === "not_authenticated")) {
    goToLogin();
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

const ticketUrl = (id, rest = "") => `/api/agent/tickets/${encodeURIComponent(id)}/${rest}`;

/** The cursor of a paginated answer's `next` link. Only the cursor is taken, so a
 *  link built for another scheme or host (behind a proxy) can't mislead us. */
export function nextCursor(page) {
  if (!page?.next) return null;
  try {
    return new URL(page.next, location.origin).searchParams.get("cursor");
  } catch {
    return null;
  }
}

export const api = {
  /** A page of a view, or of search results with `q`: {next, results}. */
  tickets({ view, q, cursor } = {}) {
    const query = new URLSearchParams();
    if (view) query.set("view", view);
    if (q) query.set("q", q);
    if (cursor) query.set("cursor", cursor);
    return request("GET", `/api/agent/tickets/?${query}`);
  },
  counts() {
    return request("GET", "/api/agent/tickets/counts/");
  },
  ticket(id) {
    return request("GET", ticketUrl(id));
  },
  /** Only the fields that changed: {status, priority, tags, assignee, team, note}. */
  updateTicket(id, fields) {
    return request("PATCH", ticketUrl(id), fields);
  },
  /** Messages with seq > after, oldest first: {ticket, last_seq, messages}. */
  history(id, after = 0, limit = HISTORY_PAGE_MAX) {
    const query = new URLSearchParams({ after: String(after), limit: String(limit) });
    return request("GET", `${ticketUrl(id, "messages/")}?${query}`);
  },
  /** The `limit` messages just before `before` (the newest without it), oldest
   *  first: {ticket, last_seq, messages, has_more}. */
  historyBefore(id, before = null, limit = HISTORY_PAGE) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (before) query.set("before", String(before));
    return request("GET", `${ticketUrl(id, "messages/")}?${query}`);
  },
  /** A file, with the text as its caption: {ticket, message}. */
  upload(id, { file, body, clientId, internal }) {
    const form = new FormData();
    form.append("file", file);
    if (body) form.append("body", body);
    form.append("client_id", clientId);
    form.append("internal", internal ? "true" : "false");
    return request("POST", ticketUrl(id, "attachments/"), form);
  },
  /** A reply drafted from the help articles: {body, sources, language}; body null when none. */
  suggestion(ticketId) {
    return request("GET", ticketUrl(ticketId, "suggestion/"));
  },
  /** An agent's thumbs up or down on one of the assistant's answers. */
  rateAnswer(messageId, helpful) {
    return request("POST", `/api/agent/assistant/answers/${encodeURIComponent(messageId)}/rating/`, { helpful });
  },
  visitor(ticketId) {
    return request("GET", ticketUrl(ticketId, "visitor/"));
  },
  canned(q) {
    return request("GET", `/api/agent/canned/?${new URLSearchParams({ q })}`);
  },
  agents() {
    return request("GET", "/api/agent/agents/");
  },
  teams() {
    return request("GET", "/api/agent/teams/");
  },
};
