// A request to the widget API. Shared by the loader and the widget proper.

export class HttpError extends Error {
  constructor(status, body) {
    super(`HTTP ${status}`);
    this.status = status;
    this.body = body || {}; // {code, message, fields?}
  }
}

/** `body`: an object sent as JSON, or FormData. The identity is the visitor
 *  token in a header, never a cookie. */
export async function request(url, method, body, { token, lang } = {}) {
  const headers = { Accept: "application/json" };
  if (lang) headers["Accept-Language"] = lang;
  const json = body && !(body instanceof FormData);
  if (json) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Visitor ${token}`;
  const res = await fetch(url, {
    method,
    headers,
    body: json ? JSON.stringify(body) : body || undefined,
    credentials: "omit",
    mode: "cors",
  });
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new HttpError(res.status, data);
  return data;
}
