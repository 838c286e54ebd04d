"""An agent's sockets end with their access: logging out closes that session's
sockets, deactivating the account (or taking away the agent profile) closes all
of theirs. The dashboard then finds itself at the login page."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from chat import events
from chat.consumers import CLOSE_UNAUTHENTICATED

from .models import AgentProfile


@receiver(user_logged_out)
def close_session_sockets(sender, request, user, **kwargs):
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        events.close_sockets([events.session_group(session_key)], code=CLOSE_UNAUTHENTICATED)


@receiver(post_save, sender=get_user_model())
def close_sockets_of_deactivated_users(sender, instance, **kwargs):
    if not instance.is_active:
        events.close_sockets([events.agent_group(instance.pk)], code=CLOSE_UNAUTHENTICATED)


@receiver(post_delete, sender=AgentProfile)
def close_sockets_of_former_agents(sender, instance, **kwargs):
    events.close_sockets([events.agent_group(instance.user_id)], code=CLOSE_UNAUTHENTICATED)
