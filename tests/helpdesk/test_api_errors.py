"""The one error shape, for every error the API can meet."""

from django.core.exceptions import ValidationError

from helpdesk.api_errors import exception_handler


def test_a_validation_error_per_field_is_a_400_with_fields_not_a_500():
    """Found by the API fuzzing (a wrong old password): Django's per-field
    ValidationError has no .code."""
    error = ValidationError({"old_password": ["That is not your current password."]})
    response = exception_handler(error, {})
    assert response.status_code == 400
    assert response.data == {
        "code": "invalid",
        "message": "Some fields are not valid.",
        "fields": {"old_password": ["That is not your current password."]},
    }


def test_a_validation_error_with_a_code_keeps_it():
    response = exception_handler(ValidationError("Too long.", code="body_too_long"), {})
    assert (response.status_code, response.data["code"]) == (400, "body_too_long")
