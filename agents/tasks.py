"""Offline notifications, run by the Celery worker (agents/offline_notifications.py).
Each may run twice (late acknowledgement, retries): sending is once per purpose."""

from celery import shared_task

from helpdesk.celery import EMAIL_RETRY

from . import offline_notifications


@shared_task(**EMAIL_RETRY)
def notify_team_of_waiting_visitor(ticket_id: int) -> None:
    offline_notifications.email_team_about_waiting_visitor(ticket_id)


@shared_task(**EMAIL_RETRY)
def notify_visitor_of_replies(ticket_id: int, seq: int) -> None:
    offline_notifications.email_visitor_unseen_replies(ticket_id, seq)
