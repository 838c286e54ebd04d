// Pure helpers of the reports page (no DOM, no network): unit-tested in
// static/tests/report-format.test.js.

/** A duration in seconds as the page shows it: "45 s", "12 min", "3.5 h", "2.1 d". */
export function formatDuration(seconds, words) {
  if (seconds === null || seconds === undefined) return "–";
  const fill = (template, n) => template.replace("%(n)s", n);
  if (seconds < 60) return fill(words.seconds, Math.round(seconds));
  if (seconds < 3600) return fill(words.minutes, Math.round(seconds / 60));
  if (seconds < 86400) return fill(words.hours, (seconds / 3600).toFixed(1));
  return fill(words.days, (seconds / 86400).toFixed(1));
}

/** The query string for the reports API from the filter form's values; empty
 *  filters are left out. */
export function reportQuery(values) {
  const params = new URLSearchParams();
  for (const name of ["start", "end", "group", "agent", "team", "widget", "tag"]) {
    if (values[name]) params.set(name, values[name]);
  }
  return params.toString();
}

/** YYYY-MM-DD of a Date, in the browser's own calendar. */
export function isoDay(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}
