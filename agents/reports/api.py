"""The reports' HTTP API, for administrators (docs/api.md): the numbers as JSON,
and the same numbers as CSV."""

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.roles import IsAdministrator

from . import export, selectors
from .serializers import ReportQuerySerializer

TABLES = ("breakdown", "days", "comments")


class ExportQuerySerializer(ReportQuerySerializer):
    table = serializers.ChoiceField(choices=TABLES, default="breakdown")


def _checked(serializer_class, request: Request):
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query


class ReportView(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(parameters=[ReportQuerySerializer])
    def get(self, request: Request) -> Response:
        """Conversations per day and per hour of the week, first response and
        resolution times, ratings and the assistant's part, for the conversations
        that started in the range, with a breakdown by ``group``."""
        query = _checked(ReportQuerySerializer, request)
        report = selectors.full_report(query.report_query(), group=query.validated_data["group"])
        return Response(report)


class ReportExportView(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(parameters=[ExportQuerySerializer], responses={(200, "text/csv"): bytes})
    def get(self, request: Request) -> HttpResponse:
        """One of the report's tables as CSV: the breakdown (with a row for all),
        conversations per day, or every rating comment of the range."""
        query = _checked(ExportQuerySerializer, request)
        report_query = query.report_query()
        table = query.validated_data["table"]
        tickets = selectors.report_tickets(report_query)
        if table == "breakdown":
            group = query.validated_data["group"]
            text = export.breakdown_csv(
                {
                    "group": group,
                    "overview": selectors.overview(tickets),
                    "breakdown": selectors.breakdown(tickets, group),
                }
            )
            name = f"{table}-{group}"
        elif table == "days":
            text = export.days_csv({"per_day": selectors.per_day(tickets, report_query)})
            name = table
        else:
            text = export.comments_csv(selectors.rating_comments(tickets, limit=None))
            name = table
        filename = f"parley-{name}-{report_query.start}-{report_query.end}.csv"
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
