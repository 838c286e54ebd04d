"""The reports' query string: a date range and optional filters, checked."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from helpdesk.models import Tag, Team, Widget

from .selectors import GROUPS, ReportQuery

DEFAULT_DAYS = 30
# A year and a day: a leap year's whole year, and no more, so a report stays a
# bounded amount of work (one row per day of the range, at most).
MAX_DAYS = 366
# Days whose midnights exist in every time zone (date.max + 1 day does not).
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(9998, 12, 31)


class ReportQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, help_text="First day (YYYY-MM-DD), local.")
    end = serializers.DateField(required=False, help_text="Last day, inclusive. Default today.")
    group = serializers.ChoiceField(choices=list(GROUPS), default="agent")
    agent = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(agent_profile__isnull=False), required=False
    )
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False)
    widget = serializers.PrimaryKeyRelatedField(queryset=Widget.objects.all(), required=False)
    tag = serializers.PrimaryKeyRelatedField(queryset=Tag.objects.all(), required=False)

    def validate(self, attrs):
        zone = ZoneInfo(settings.TIME_ZONE)
        end = attrs.get("end") or timezone.now().astimezone(zone).date()
        start = attrs.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start < FIRST_DAY or end > LAST_DAY:
            raise serializers.ValidationError(
                {"start" if start < FIRST_DAY else "end": _("Pick days from 1970 to 9998.")},
                code="range_out_of_bounds",
            )
        if end < start:
            raise serializers.ValidationError(
                {"end": _("The range ends before it starts.")}, code="range_reversed"
            )
        if (end - start).days + 1 > MAX_DAYS:
            raise serializers.ValidationError(
                {"start": _("Pick at most %(days)s days.") % {"days": MAX_DAYS}},
                code="range_too_long",
            )
        attrs.update(start=start, end=end, zone=zone)
        return attrs

    def report_query(self) -> ReportQuery:
        data = self.validated_data
        return ReportQuery(
            start=data["start"],
            end=data["end"],
            zone=data["zone"],
            **{
                name: data[name].pk
                for name in ("agent", "team", "widget", "tag")
                if data.get(name) is not None
            },
        )
