// The agent REST API (session cookie; non-GET requests carry the CSRF token).

export const LOGIN_URL = "/accounts/login/?next=/agent/";
export const HISTORY_PAGE_MAX = 500; // chat/serializers.py HISTORY_PAGE_MAX

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code;
  }
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export function goToLogin() {
  location.assign(LOGIN_URL);
}

export async function request(method, url, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    headers["X-CSRFToken"] = csrfToken();
  }
  const response = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
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

export const api = {
  tickets(statuses = ["new", "open", "pending"]) {
    const query = new URLSearchParams(statuses.map((s) => ["status", s]));
    return request("GET", `/api/agent/tickets/?${query}`);
  },
  ticket(id) {
    return request("GET", `/api/agent/tickets/${encodeURIComponent(id)}/`);
  },
  /** Messages with seq > after, oldest first: {ticket, last_seq, messages}. */
  history(id, after = 0, limit = HISTORY_PAGE_MAX) {
    const query = new URLSearchParams({ after: String(after), limit: String(limit) });
    return request("GET", `/api/agent/tickets/${encodeURIComponent(id)}/messages/?${query}`);
  },
  agents() {
    return request("GET", "/api/agent/agents/");
  },
};
