"""Delivering a webhook: one signed POST, its outcome logged, and an endpoint that
keeps failing switched off."""

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from http.client import HTTPException

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from helpdesk.notifications import administrator_emails, send_once

from .models import Attempt, Delivery, Endpoint, validate_webhook_url
from .signing import HEADER, signature_header
from .subscriptions import forget

logger = logging.getLogger("parley.webhooks")

# What the log keeps of a receiver's answer.
SNIPPET_BYTES = 1000
USER_AGENT = "Parley-Webhooks/1"


@dataclass(frozen=True)
class Response:
    status_code: int | None
    snippet: str
    duration_ms: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: following it would let a
    receiver send Parley's worker anywhere, past the check on the URL."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


# No proxies from the environment either: the request goes where the URL says.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> Response:
    """POST ``body``; ``timeout`` bounds the connect and each read."""
    validate_webhook_url(url)
    # Checked just above: http or https only.
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    started = time.monotonic()
    status, raw, error = None, b"", ""
    try:
        with _opener.open(request, timeout=timeout) as answer:
            status, raw = answer.status, answer.read(SNIPPET_BYTES)
    except urllib.error.HTTPError as answer:  # 3xx (not followed), 4xx, 5xx
        status = answer.code
        try:
            raw = answer.read(SNIPPET_BYTES)
        except (OSError, HTTPException):
            raw = b""
        finally:
            answer.close()
        if 300 <= status < 400:
            error = "Redirects are not followed."
    except urllib.error.URLError as failure:
        error = str(failure.reason)
    except (OSError, HTTPException, ValueError) as failure:
        error = str(failure) or type(failure).__name__
    duration_ms = round((time.monotonic() - started) * 1000)
    return Response(status, raw.decode("utf-8", "replace"), duration_ms, error[:300])


@dataclass(frozen=True)
class Outcome:
    # The number of an attempt that failed and may be retried.
    retry_after: int | None = None
    # When this attempt's failure switched the endpoint off.
    switched_off: datetime | None = None


def delivery_attempt(*, endpoint_id: int, envelope: dict) -> Outcome:
    """Send ``envelope`` to the endpoint once and log it. Delivered at least once:
    a worker that dies mid-POST runs it again, so receivers dedupe by the
    envelope's ``id``."""
    endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        return Outcome()
    delivery, _ = Delivery.objects.get_or_create(
        endpoint=endpoint,
        event_id=envelope["id"],
        defaults={"event": envelope["type"], "payload": envelope},
    )
    if delivery.status != Delivery.Status.PENDING:
        return Outcome()  # a redelivered task whose delivery is done
    if not endpoint.is_active or delivery.event not in endpoint.events:
        _finish(delivery, Delivery.Status.SKIPPED)
        return Outcome()

    config = settings.PARLEY["WEBHOOKS"]
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Parley-Event": delivery.event,
        "Parley-Delivery": str(delivery.event_id),
        HEADER: signature_header(endpoint.secret, body),
    }
    response = post(endpoint.url, body, headers, timeout=config["TIMEOUT"])
    number = delivery.attempts + 1
    Attempt.objects.create(
        delivery=delivery,
        number=number,
        status_code=response.status_code,
        response_snippet=response.snippet,
        duration_ms=response.duration_ms,
        error=response.error,
    )
    delivery.attempts = number
    if response.ok:
        _finish(delivery, Delivery.Status.SUCCEEDED)
        Endpoint.objects.filter(pk=endpoint.pk, consecutive_failures__gt=0).update(
            consecutive_failures=0
        )
        return Outcome()
    switched_off = endpoint_failed(endpoint)
    if switched_off or not endpoint.is_active or number >= config["MAX_ATTEMPTS"]:
        _finish(delivery, Delivery.Status.FAILED)
        return Outcome(switched_off=switched_off)
    delivery.save(update_fields=["attempts"])
    return Outcome(retry_after=number)


def _finish(delivery: Delivery, status: str) -> None:
    delivery.status = status
    delivery.finished_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "finished_at"])


def endpoint_failed(endpoint: Endpoint) -> datetime | None:
    """Count a failed attempt; at PARLEY_WEBHOOK_DISABLE_AFTER in a row, switch the
    endpoint off. Returns when this call switched it off (the caller has the
    administrators told), else None."""
    Endpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    endpoint.refresh_from_db(fields=["consecutive_failures", "is_active"])
    if not endpoint.is_active:
        return None
    if endpoint.consecutive_failures < settings.PARLEY["WEBHOOKS"]["DISABLE_AFTER"]:
        return None
    now = timezone.now()
    # Conditional, so of two tasks failing at once only one switches it off and mails.
    if not Endpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_at=now
    ):
        return None
    endpoint.is_active = False
    forget()
    logger.warning(
        "Webhook endpoint %s switched off after %d failed attempts",
        endpoint.pk,
        endpoint.consecutive_failures,
    )
    return now


def endpoint_disabled_notify(*, endpoint_id: int, disabled_at: str) -> None:
    """Email the administrators that an endpoint was switched off, once per time
    it was (``disabled_at`` tells the times apart)."""
    endpoint = Endpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        return
    last = Attempt.objects.filter(delivery__endpoint=endpoint).order_by("-at", "-id").first()
    send_once(
        f"webhook-disabled:{endpoint.pk}:{disabled_at}",
        to=administrator_emails(),
        template="webhook_disabled",
        context={
            "endpoint": endpoint,
            "failures": endpoint.consecutive_failures,
            "last": last,
            "link": f"{settings.PARLEY['SITE_URL']}"
            + reverse("admin:webhooks_endpoint_change", args=[endpoint.pk]),
        },
    )


def endpoint_enable(*, endpoint: Endpoint) -> None:
    """An administrator switches an endpoint back on: its count starts again."""
    endpoint.is_active = True
    endpoint.consecutive_failures = 0
    endpoint.disabled_at = None
    endpoint.save(update_fields=["is_active", "consecutive_failures", "disabled_at"])
