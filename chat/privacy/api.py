"""Export and erase a visitor through the agent API: administrators only."""

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.models import Visitor
from helpdesk.roles import IsAdministrator

from .services import visitor_erase, visitor_export


def export_response(visitor: Visitor) -> FileResponse:
    return FileResponse(
        visitor_export(visitor=visitor),
        as_attachment=True,
        filename=f"parley-visitor-{visitor.pk}.zip",
        content_type="application/zip",
    )


class VisitorExportView(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(responses={(200, "application/zip"): OpenApiResponse(description="a zip")})
    def get(self, request: Request, visitor_id) -> FileResponse:
        return export_response(get_object_or_404(Visitor, pk=visitor_id))


class VisitorEraseView(APIView):
    permission_classes = [IsAdministrator]

    @extend_schema(request=None)
    def post(self, request: Request, visitor_id) -> Response:
        visitor = get_object_or_404(Visitor, pk=visitor_id)
        erasure = visitor_erase(visitor=visitor, by=request.user)
        return Response(
            {
                "erasure": erasure.pk,
                "visitor": str(visitor.pk),
                "tickets": erasure.tickets,
                "messages": erasure.messages,
                "files": erasure.files,
                "at": erasure.at,
            }
        )
