"""Make many widget visitors at once, in a Parley server's own environment.

The harness needs hundreds of chatting visitors and ten thousand idle ones;
asking the session endpoint for each would take longer than the measurement.
This script creates them in bulk on the demo widget and writes, as JSON, each
one's visitor token (what the widget's hello sends) and, for the first
``--chats``, the ticket of a chat started the real way (``start_conversation``).
It writes to a file, as the console email backend may print to stdout. With
``--agents N`` it also makes N agents and writes their API tokens to
``--agents-out``.

    DJANGO_SETTINGS_MODULE=helpdesk.settings python bench/seed_visitors.py \
        visitors.json 10000 --chats 200
"""

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django

django.setup()

from agents.management.commands.seed_demo import DEMO_WIDGET_KEY  # noqa: E402
from chat.services import start_conversation  # noqa: E402
from chat.visitor_auth import visitor_token  # noqa: E402
from helpdesk.models import Visitor, Widget  # noqa: E402


def seed_agents(count: int, out: Path) -> None:
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from agents.models import AgentProfile

    users = get_user_model().objects.bulk_create(
        [get_user_model()(username=f"bench-agent-{i}") for i in range(count)]
    )
    AgentProfile.objects.bulk_create(
        [AgentProfile(user=user, display_name=f"Bench agent {i}") for i, user in enumerate(users)]
    )
    tokens = [Token(user=user, key=Token.generate_key()) for user in users]
    Token.objects.bulk_create(tokens)
    out.write_text(json.dumps([token.key for token in tokens]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="where to write the JSON list")
    parser.add_argument("count", type=int, help="visitors to create")
    parser.add_argument("--chats", type=int, default=0, help="of them, how many start a chat")
    parser.add_argument("--agents", type=int, default=0, help="agents to create")
    parser.add_argument("--agents-out", type=Path, help="where to write their API tokens")
    args = parser.parse_args()
    if args.agents:
        seed_agents(args.agents, args.agents_out)

    widget = Widget.objects.get(key=DEMO_WIDGET_KEY)
    visitors = Visitor.objects.bulk_create(
        [Visitor(widget=widget, name=f"Bench {i}") for i in range(args.count)], batch_size=1000
    )
    seeded = []
    for i, visitor in enumerate(visitors):
        ticket = None
        if i < args.chats:
            body = f"Hello, I am bench visitor {i}."
            ticket = start_conversation(visitor=visitor, body=body).ticket_id
        seeded.append({"token": visitor_token(visitor), "ticket": ticket})
    args.out.write_text(json.dumps(seeded))


if __name__ == "__main__":
    main()
