"""Demo data for ``make run``: an admin, two agents and a few conversations.

Running it again changes nothing that is already there.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from agents.models import AgentProfile, CannedResponse
from chat.services import Sender, post_message, start_conversation
from chat.ticket_actions import Actor, ticket_change
from helpdesk.knowledge.demo import seed_articles
from helpdesk.models import Team, Visitor, Widget

DEMO_WIDGET_KEY = "demo"
DEMO_PASSWORD = "parley-demo"  # noqa: S105 - printed on purpose, refused with DEBUG off

AGENTS = [
    # username, display name, superuser
    ("admin", "Alex Admin", True),
    ("ada", "Ada Agent", False),
    ("grace", "Grace Agent", False),
]

FIREFOX_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
)

# external id, name, email, lines, what an agent then did (by, changes)
CONVERSATIONS = [
    (
        "demo-maria",
        "Maria",
        "maria@example.com",
        [
            ("visitor", "Hi! I can't find where to change my billing address."),
            ("ada", "Hello Maria, it's under Settings, then Billing. Want me to walk you through?"),
            ("note:ada", "Customer on the annual plan; offer the invoice re-issue if asked."),
            ("visitor", "Found it, thanks. Can you re-issue last month's invoice too?"),
        ],
        ("ada", {"assignee": "ada", "tags": ["billing", "invoice"], "priority": "high"}),
    ),
    (
        "demo-tom",
        "Tom",
        "",
        [("visitor", "Does the Pro plan include phone support?")],
        None,
    ),
    (
        "demo-lee",
        "Lee",
        "lee@example.com",
        [
            ("visitor", "How do I export my data as CSV?"),
            ("grace", "Reports, then Export, then CSV. It comes by email within a minute."),
            ("visitor", "Got it, thank you!"),
        ],
        ("grace", {"assignee": "grace", "status": "resolved", "tags": ["how-to"]}),
    ),
]

CANNED = [
    ("hello", "Hi there! Thanks for reaching out, how can I help?"),
    ("thanks", "Thanks for your patience. Anything else I can help with?"),
    ("refund", "I've started the refund; it reaches your account within 5 business days."),
    ("hours", "We're here Monday to Friday, 9:00 to 18:00 CET."),
]
TEAMS = ["Support", "Billing"]


class Command(BaseCommand):
    help = "Create demo users, agents and conversations (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Seed even with DEBUG off (known passwords!)."
        )

    @transaction.atomic
    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("Refusing to create demo users with known passwords: DEBUG is off.")
        # Every demo agent is in the first team; the others are there to transfer to.
        team, *_ = [Team.objects.get_or_create(name=name)[0] for name in TEAMS]
        # The demo site's embed tag names this key; any origin may use it.
        widget, _ = Widget.objects.get_or_create(
            key=DEMO_WIDGET_KEY,
            defaults={
                "name": "Ledgerly",
                "accent_color": "#0f766e",
                "typing_preview": True,
                "assistant": True,
            },
        )
        # Ledgerly's help centre, which the assistant answers from (/help/demo/).
        articles = seed_articles()
        agents = {username: self.agent(username, name, su, team) for username, name, su in AGENTS}
        for shortcut, body in CANNED:
            CannedResponse.objects.get_or_create(
                owner=None, shortcut=shortcut, defaults={"body": body}
            )
        for external_id, name, email, lines, done in CONVERSATIONS:
            self.conversation(widget, external_id, name, email, lines, done, agents)

        self.stdout.write(
            f"Help centre: /help/{DEMO_WIDGET_KEY}/ ({articles} articles added; the worker "
            "indexes them for the assistant)."
        )
        self.stdout.write(self.style.SUCCESS("Demo data ready. Logins (password for all):"))
        for username, name, superuser in AGENTS:
            role = "admin + agent" if superuser else "agent"
            self.stdout.write(f"  {username:<6} / {DEMO_PASSWORD}   {name} ({role})")

    def agent(self, username: str, name: str, superuser: bool, team: Team) -> AgentProfile:
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            create = (
                user_model.objects.create_superuser if superuser else user_model.objects.create_user
            )
            user = create(
                username=username, email=f"{username}@example.com", password=DEMO_PASSWORD
            )
            user.first_name = name.split()[0]
            user.save(update_fields=["first_name"])
        profile, _ = AgentProfile.objects.get_or_create(user=user, defaults={"display_name": name})
        profile.teams.add(team)
        return profile

    def conversation(self, widget, external_id, name, email, lines, done, agents) -> None:
        if Visitor.objects.filter(external_id=external_id).exists():
            return
        visitor = Visitor.objects.create(
            widget=widget,
            external_id=external_id,
            name=name,
            email=email,
            metadata={
                "page_url": "http://127.0.0.1:8000/pricing",
                "referrer": "https://www.example.com/search?q=ledgerly",
                "locale": "en-GB",
                "timezone": "Europe/Berlin",
                "user_agent": FIREFOX_ON_WINDOWS,
            },
        )
        first, *rest = lines
        ticket = start_conversation(visitor=visitor, body=first[1]).ticket
        for who, body in rest:
            internal = who.startswith("note:")
            username = who.removeprefix("note:")
            if username == "visitor":
                sender = Sender.for_visitor(visitor)
            else:
                profile = agents[username]
                sender = Sender.for_agent(profile.user, profile.display_name)
            post_message(ticket=ticket, sender=sender, body=body, internal=internal)
        if done:
            by, changes = done
            if "assignee" in changes:
                changes = {**changes, "assignee": agents[changes["assignee"]].user}
            profile = agents[by]
            ticket_change(
                ticket_id=ticket.pk,
                by=Actor.for_agent(profile.user, profile.display_name),
                **changes,
            )
