"""One error shape for the whole API: ``{"code": ..., "message": ...}``, plus
``fields`` for per-field problems. The sockets use the same codes."""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .abuse.body_limits import UploadTooLarge


def exception_handler(exc, context):
    if isinstance(exc, UploadTooLarge):
        # Stopped while the file was still arriving: the same answer as a file
        # found too large once it was in (chat.attachments.check_upload).
        limit = settings.PARLEY["ATTACHMENT_MAX_BYTES"]
        return Response(
            {
                "code": "attachment_too_large",
                "message": _("Files can be at most %(mb)d MB.") % {"mb": limit // (1024 * 1024)},
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DjangoValidationError):
        # Services raise Django's ValidationError with a code: the client's mistake.
        if hasattr(exc, "error_dict"):
            # Raised per field (a form's or a validator's): no one code, so the
            # shape of DRF's own field errors. (It has no .code: that was a 500.)
            body = {
                "code": "invalid",
                "message": _("Some fields are not valid."),
                "fields": exc.message_dict,
            }
        else:
            body = {"code": exc.code or "invalid", "message": " ".join(exc.messages)}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404 | ObjectDoesNotExist | PermissionDenied):
        # Objects you may not see look exactly like objects that don't exist.
        exc = exceptions.NotFound(_("Not found."))

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "code": "invalid",
            "message": _("Some fields are not valid."),
            "fields": response.data,
        }
    else:
        response.data = {"code": exc.get_codes(), "message": str(exc.detail)}
    return response
