"""Medians and 90th percentiles of the tickets' recorded times, per group, in the
database. Continuous percentiles (linear between the two nearest values, as
PostgreSQL's ``percentile_cont`` and numpy's default): the median of 10, 20, 30,
40 is 25.

PostgreSQL computes them itself, every metric and fraction in the same grouped
query as the counts.
SQLite has no percentile function, so there a window numbers each group's values
in order (``ROW_NUMBER``, ``COUNT`` over the group) and the query keeps only the
one or two rows around each wanted position; the last step, interpolating
between those two, is done here. Both give the same numbers (tests/agents/
test_reports.py runs on each)."""

from collections import defaultdict
from collections.abc import Hashable, Sequence

from django.db import connection
from django.db.models import (
    Aggregate,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import RowNumber

FRACTIONS = (0.5, 0.9)

# metric name -> fraction -> value (None when the group has no value for it)
Percentiles = dict[str, dict[float, float | None]]


class PercentileCont(Aggregate):
    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


def with_percentiles(
    scope: QuerySet, metrics: Sequence[str], aggregates: dict, group: str | None = None
) -> dict[Hashable, tuple[dict, Percentiles]]:
    """{group value (None without ``group``): (``aggregates``' values,
    {metric: {0.5: …, 0.9: …}})} for the tickets in ``scope``; a ticket without a
    value for a metric (not answered, not resolved) is left out of that metric.
    On PostgreSQL the percentiles come in the same query as ``aggregates``."""
    scope = scope.order_by()
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        aggregates = {
            **aggregates,
            **{
                _key(fraction, metric): PercentileCont(metric, fraction)
                for metric in metrics
                for fraction in FRACTIONS
            },
        }
    if group is None:
        rows = [{"g": None, **scope.aggregate(**aggregates)}]
    else:
        rows = list(scope.values(g=_group_key(group)).annotate(**aggregates))
    if postgresql:
        found = {
            row["g"]: {
                metric: {fraction: row[_key(fraction, metric)] for fraction in FRACTIONS}
                for metric in metrics
            }
            for row in rows
        }
    else:
        found = _windowed(scope, metrics, group)
    return {row["g"]: (row, found.get(row["g"]) or _nothing(metrics)) for row in rows}


def _group_key(group: str) -> ExpressionWrapper:
    """The group's id plus 0: the same number (NULL stays NULL), but no longer a
    column an index sorts, so the database reads the range in one scan and sorts
    it, instead of walking the group's index to every row of the table by random
    lookups (measured on PostgreSQL at 10^5 tickets: 167 ms against 262 ms)."""
    return ExpressionWrapper(F(group) + 0, output_field=IntegerField())


def _key(fraction: float, metric: str) -> str:
    return f"p{round(fraction * 100)}_{metric}"


def _windowed(scope, metrics, group):
    parts, params = [], []
    for metric in metrics:
        partition = [_group_key(group)] if group else None
        numbered = (
            scope.order_by()
            .filter(**{f"{metric}__isnull": False})
            .annotate(
                g=_group_key(group) if group else Value(None, output_field=IntegerField()),
                v=F(metric),
                rn=Window(RowNumber(), partition_by=partition, order_by=F(metric).asc()),
                n=Window(Count("pk"), partition_by=partition),
                m=Value(metric),
            )
            .values("g", "v", "rn", "n", "m")
        )
        sql, part_params = numbered.query.sql_with_params()
        # The ORM's own SQL, its values still parameters.
        parts.append(f"SELECT * FROM ({sql}) AS w")  # noqa: S608
        params.extend(part_params)
    # Position k = fraction * (n - 1), 0-based; keep rows at floor(k) and ceil(k),
    # in whole-number arithmetic so no float rounding picks the wrong row.
    wanted = " OR ".join(
        f"(rn - 1 = ((n - 1) * {round(f * 100)}) / 100 "
        f"OR rn - 1 = ((n - 1) * {round(f * 100)} + 99) / 100)"
        for f in FRACTIONS
    )
    # Only constants and the parts above go into the text.
    sql = f"SELECT g, v, rn, n, m FROM ({' UNION ALL '.join(parts)}) AS u WHERE {wanted}"  # noqa: S608
    at: dict = defaultdict(dict)  # (group, metric) -> {0-based position: value}
    sizes: dict = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for g, v, rn, n, m in cursor.fetchall():
            at[g, m][rn - 1] = v
            sizes[g, m] = n
    result: dict[Hashable, Percentiles] = {}
    for (g, m), values in at.items():
        n = sizes[g, m]
        for fraction in FRACTIONS:
            hundredths = (n - 1) * round(fraction * 100)
            low, rest = divmod(hundredths, 100)
            high = low + (1 if rest else 0)
            result.setdefault(g, _nothing(metrics))[m][fraction] = (
                values[low] + (values[high] - values[low]) * rest / 100
            )
    return result


def _nothing(metrics: Sequence[str]) -> Percentiles:
    return {metric: dict.fromkeys(FRACTIONS) for metric in metrics}
