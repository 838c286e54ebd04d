"""Set up the database of a test stack (tests/processes.py) in one process:
migrate, seed the demo data, run the stack's own preparation, and print the
demo agents' API tokens as JSON on the last line.

    python -m tests.stack_setup [PREPARE]

PREPARE is Python run after the seed, as ``manage.py shell -c`` would run it.
Each of these steps used to be a ``manage.py`` process of its own, and Django's
start-up (about a second here) was paid for each, on every stack of the suite.
"""

import io
import json
import os
import sys


def main(prepare: str = "") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from agents.management.commands.seed_demo import AGENTS

    call_command("migrate", interactive=False, verbosity=0)
    # force: these databases are throwaway, even when a run sets DEBUG off.
    call_command("seed_demo", force=True, stdout=io.StringIO())
    if prepare:
        exec(prepare, {})  # noqa: S102 - the test's own code, as `shell -c` runs it
    users = get_user_model().objects.filter(username__in=[username for username, *_ in AGENTS])
    tokens = {user.username: Token.objects.get_or_create(user=user)[0].key for user in users}
    print(json.dumps(tokens))


if __name__ == "__main__":
    main(*sys.argv[1:2])
