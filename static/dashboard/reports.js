// The reports page (templates/agents/reports.html), for administrators: reads
// the numbers from /api/agent/reports/ and draws them; the charts come from the
// bundled uPlot module (dist/charts.js, built from charts/index.js).

import { request } from "./api.js";
import { barChart } from "./dist/charts.js";
import { byId, h, setText } from "./dom.js";
import { formatDuration, isoDay, reportQuery } from "./report-format.js";

const REPORT_URL = "/api/agent/reports/";
const EXPORT_URL = "/api/agent/reports/export/";
const words = JSON.parse(byId("report-words").textContent);
const choices = JSON.parse(byId("report-choices").textContent);
const form = byId("report-filters");
const charts = [];

function fillChoices() {
  for (const select of form.querySelectorAll("select[data-choices]")) {
    for (const choice of choices[select.dataset.choices] || []) {
      select.append(h("option", { value: choice.id }, choice.name));
    }
  }
  const today = new Date();
  const monthAgo = new Date(today);
  monthAgo.setDate(today.getDate() - 29);
  byId("report-start").value = isoDay(monthAgo);
  byId("report-end").value = isoDay(today);
}

function formValues() {
  const values = Object.fromEntries(new FormData(form).entries());
  values.group = byId("report-group").value;
  return values;
}

function noneName(group) {
  return { agent: words.unassigned, team: words.no_team, widget: words.no_widget, tag: words.no_tag }[group];
}

const duration = (seconds) => formatDuration(seconds, words);

function renderOverview(report) {
  const { overview, assistant } = report;
  setText(byId("report-conversations"), overview.conversations);
  setText(byId("report-frt"), duration(overview.first_response.median));
  setText(byId("report-frt-p90"), duration(overview.first_response.p90));
  setText(byId("report-frt-business"), duration(overview.first_response.business_median));
  setText(byId("report-frt-business-p90"), duration(overview.first_response.business_p90));
  setText(byId("report-rt"), duration(overview.resolution.median));
  setText(byId("report-rt-p90"), duration(overview.resolution.p90));
  setText(byId("report-rt-business"), duration(overview.resolution.business_median));
  setText(byId("report-rt-business-p90"), duration(overview.resolution.business_p90));
  const { csat } = overview;
  setText(byId("report-csat"), csat.satisfied_percent === null ? "–" : `${csat.satisfied_percent} %`);
  setText(byId("report-csat-average"), csat.average === null ? "–" : csat.average.toFixed(2));
  setText(byId("report-csat-rated"), csat.rated);
  setText(byId("report-deflected"), assistant.deflected);
  setText(byId("report-assistant-chats"), assistant.chats);
  setText(byId("report-handed-off"), assistant.handed_off);
  const { answers } = assistant;
  setText(byId("report-thumbs"), `${answers.visitor_up + answers.agent_up} / ${answers.visitor_down + answers.agent_down}`);
}

function renderCharts(report) {
  while (charts.length) charts.pop().destroy();
  const days = report.per_day;
  charts.push(barChart(byId("chart-days"), {
    labels: days.map((d) => d.day.slice(5)),
    values: days.map((d) => d.conversations),
    title: words.conversations,
    labelEvery: Math.max(1, Math.ceil(days.length / 12)),
  }));
  const hours = report.per_hour_of_week.flat();
  charts.push(barChart(byId("chart-hours"), {
    labels: hours.map((_, i) => (i % 24 === 0 ? words.weekdays[i / 24] : `${i % 24}:00`)),
    values: hours,
    title: words.conversations,
    labelEvery: 24,
    color: "#0f766e",
  }));
  const stars = ["1", "2", "3", "4", "5"];
  charts.push(barChart(byId("chart-ratings"), {
    labels: stars.map((n) => words.stars.replace("%(n)s", n)),
    values: stars.map((n) => report.ratings[n]),
    title: words.conversations,
    height: 160,
    color: "#b45309",
  }));
}

function renderBreakdown(report) {
  const rows = report.breakdown.map((row) => h("tr", { "data-testid": "report-row" },
    h("th", { scope: "row" }, row.id === null ? noneName(report.group) : row.name),
    h("td", {}, String(row.conversations)),
    h("td", {}, String(row.resolved)),
    h("td", {}, `${duration(row.first_response.median)} / ${duration(row.first_response.p90)}`),
    h("td", {}, `${duration(row.first_response.business_median)} / ${duration(row.first_response.business_p90)}`),
    h("td", {}, `${duration(row.resolution.median)} / ${duration(row.resolution.p90)}`),
    h("td", {}, `${duration(row.resolution.business_median)} / ${duration(row.resolution.business_p90)}`),
    h("td", {}, row.csat.average === null ? "–" : row.csat.average.toFixed(2))));
  if (!rows.length) rows.push(h("tr", {}, h("td", { colspan: 8 }, words.none_yet)));
  byId("report-breakdown-rows").replaceChildren(...rows);
}

function renderComments(report) {
  const items = report.comments.map((c) => h("li", { class: "report-comment", "data-testid": "report-comment" },
    h("span", { class: "report-stars", "aria-label": words.stars.replace("%(n)s", c.rating) }, "★".repeat(c.rating)),
    h("a", { href: `/agent/#ticket-${c.ticket}` }, words.ticket.replace("%(id)s", c.ticket)),
    c.agent ? h("span", { class: "muted" }, ` · ${c.agent}`) : null,
    h("p", {}, c.comment)));
  byId("report-comments").replaceChildren(...(items.length ? items : [h("li", { class: "muted" }, words.no_comments)]));
}

async function load() {
  const query = reportQuery(formValues());
  for (const link of document.querySelectorAll("a.export")) {
    link.href = `${EXPORT_URL}?table=${link.dataset.table}&${query}`;
  }
  setText(byId("report-status"), "");
  let report;
  try {
    report = await request("GET", `${REPORT_URL}?${query}`);
  } catch (error) {
    setText(byId("report-status"), `${words.error} ${error.message}`);
    return;
  }
  renderOverview(report);
  renderCharts(report);
  renderBreakdown(report);
  renderComments(report);
  document.body.dataset.loaded = "true";
}

fillChoices();
form.addEventListener("submit", (event) => {
  event.preventDefault();
  load();
});
byId("report-group").addEventListener("change", load);
load();
