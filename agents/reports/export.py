"""The reports as CSV: the numbers the page shows, one table per download."""

import csv
import io
from collections.abc import Iterable

from django.utils.translation import gettext as _

# A cell starting with one of these is a formula to a spreadsheet (OWASP "CSV
# injection"): a comment "=HYPERLINK(…)" would run when an administrator opens
# the file. Such text gets a leading apostrophe, which shows it as typed.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def csv_text(header: list[str], rows: Iterable[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def _time_columns(prefix: str) -> list[str]:
    return [
        f"{prefix} median (s)",
        f"{prefix} p90 (s)",
        f"{prefix} business hours median (s)",
        f"{prefix} business hours p90 (s)",
    ]


def _time_values(times: dict) -> list:
    return [times["median"], times["p90"], times["business_median"], times["business_p90"]]


def breakdown_csv(report: dict) -> str:
    """One row per agent (team, widget, tag), then a row for all of them."""
    group = report["group"]
    header = [
        group,
        "id",
        "conversations",
        "answered",
        "resolved",
        *_time_columns("first response"),
        *_time_columns("resolution"),
        "rated",
        "average rating",
        "satisfied %",
    ]
    nobody = {"agent": _("Unassigned"), "team": _("No team"), "widget": _("No widget")}

    def row(name, ident, numbers):
        return [
            name,
            ident,
            numbers["conversations"],
            numbers["answered"],
            numbers["resolved"],
            *_time_values(numbers["first_response"]),
            *_time_values(numbers["resolution"]),
            numbers["csat"]["rated"],
            numbers["csat"]["average"],
            numbers["csat"]["satisfied_percent"],
        ]

    rows = [
        row(
            line["name"] if line["id"] is not None else nobody.get(group, _("No tag")),
            line["id"],
            line,
        )
        for line in report["breakdown"]
    ]
    rows.append(row(_("All"), "", report["overview"]))
    return csv_text(header, rows)


def days_csv(report: dict) -> str:
    return csv_text(
        ["day", "conversations"], ([d["day"], d["conversations"]] for d in report["per_day"])
    )


def comments_csv(comments: list[dict]) -> str:
    return csv_text(
        ["ticket", "started", "rating", "agent", "comment"],
        ([c["ticket"], c["created_at"], c["rating"], c["agent"], c["comment"]] for c in comments),
    )
