import ipaddress

from django.core.exceptions import ValidationError
from django.db import models


def normalise_network(value: str) -> str:
    """``10.1.2.3`` -> ``10.1.2.3/32``; ``2001:db8::1/48`` -> ``2001:db8::/48``.
    Raises ValidationError for anything that is not an address or a range."""
    try:
        return str(ipaddress.ip_network(value.strip(), strict=False))
    except ValueError:
        raise ValidationError(
            "%(value)s is not an IP address or a range like 203.0.113.0/24.",
            code="invalid_network",
            params={"value": value[:60]},
        ) from None


class BlockedAddress(models.Model):
    """An address or range whose requests to the widget's endpoints are refused
    (403), and whose widget sockets are closed at connect (4403)."""

    network = models.CharField(
        "address or range",
        max_length=49,
        unique=True,
        help_text="One address (203.0.113.7) or a range in CIDR form (203.0.113.0/24, "
        "2001:db8::/48).",
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["network"]
        verbose_name = "blocked address"
        verbose_name_plural = "blocked addresses"

    def __str__(self) -> str:
        return self.network

    def save(self, *args, **kwargs):
        # Every path (admin, shell, fixtures) stores the canonical form, so the
        # unique constraint sees 10.0.0.1 and 10.0.0.1/32 as one.
        self.network = normalise_network(self.network)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.network = normalise_network(self.network)
