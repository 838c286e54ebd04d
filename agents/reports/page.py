"""What the reports page needs besides the numbers: the choices for its filters
and its words in the administrator's language."""

from django.utils.translation import gettext as _

from helpdesk.models import Tag, Team, Widget

from ..models import AgentProfile


def report_page_context(profile: AgentProfile | None) -> dict:
    choices = {
        "agent": [
            {"id": user_id, "name": name}
            for user_id, name in AgentProfile.objects.values_list("user_id", "display_name")
        ],
        "team": [{"id": pk, "name": name} for pk, name in Team.objects.values_list("pk", "name")],
        "widget": [
            {"id": pk, "name": name} for pk, name in Widget.objects.values_list("pk", "name")
        ],
        "tag": [{"id": pk, "name": name} for pk, name in Tag.objects.values_list("pk", "name")],
    }
    return {"profile": profile, "choices": choices, "words": chart_words()}


def chart_words() -> dict:
    """Words the script draws into charts and tables; the template has the rest."""
    return {
        "conversations": _("Conversations"),
        "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        "stars": _("%(n)s stars"),
        "unassigned": _("Unassigned"),
        "no_team": _("No team"),
        "no_widget": _("No widget"),
        "no_tag": _("No tag"),
        "none_yet": _("No conversations in this range."),
        "no_comments": _("No comments in this range."),
        "ticket": _("Conversation #%(id)s"),
        "seconds": _("%(n)s s"),
        "minutes": _("%(n)s min"),
        "hours": _("%(n)s h"),
        "days": _("%(n)s d"),
        "error": _("The report could not be loaded."),
    }
