"""URL configuration: the one place, with asgi.py, that wires the apps together."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from agents import api as agent_api
from agents import views as agent_views
from agents.presence import widget_online
from chat import api as widget_api
from chat.stream import VisitorStreamView
from helpdesk.knowledge import api as knowledge_api

from . import views

widget_patterns = [
    path("config/", widget_api.WidgetConfigView.as_view(agents_online=widget_online)),
    path("session/", widget_api.WidgetSessionView.as_view(agents_online=widget_online)),
    path("offline/", widget_api.WidgetOfflineMessageView.as_view()),
    path("stream/", VisitorStreamView.as_view(agents_online=widget_online)),
    path("articles/", knowledge_api.ArticleSearchView.as_view()),
    path("articles/<int:article_id>/", knowledge_api.ArticleDetailView.as_view()),
    path("tickets/", widget_api.WidgetTicketListView.as_view()),
    path("tickets/<int:ticket_id>/messages/", widget_api.WidgetMessagesView.as_view()),
    path("tickets/<int:ticket_id>/typing/", widget_api.WidgetTypingView.as_view()),
    path("tickets/<int:ticket_id>/seen/", widget_api.WidgetSeenView.as_view()),
    path("tickets/<int:ticket_id>/attachments/", widget_api.WidgetAttachmentView.as_view()),
    path("tickets/<int:ticket_id>/end/", widget_api.WidgetEndView.as_view()),
    path("tickets/<int:ticket_id>/rating/", widget_api.WidgetRatingView.as_view()),
    path("tickets/<int:ticket_id>/transcript/", widget_api.WidgetTranscriptView.as_view()),
]

agent_patterns = [
    path("tickets/", agent_api.TicketListView.as_view()),
    path("tickets/counts/", agent_api.TicketCountsView.as_view()),
    path("tickets/<int:ticket_id>/", agent_api.TicketDetailView.as_view()),
    path("tickets/<int:ticket_id>/messages/", agent_api.TicketMessagesView.as_view()),
    path("tickets/<int:ticket_id>/attachments/", agent_api.TicketAttachmentView.as_view()),
    path("tickets/<int:ticket_id>/visitor/", agent_api.TicketVisitorView.as_view()),
    path(
        "tickets/<int:ticket_id>/transcript/",
        agent_api.TicketTranscriptView.as_view(),
        name="agent-ticket-transcript",
    ),
    path("canned/", agent_api.CannedResponseListView.as_view()),
    path("canned/<int:canned_id>/", agent_api.CannedResponseDetailView.as_view()),
    path("teams/", agent_api.TeamListView.as_view()),
    path("agents/", agent_api.AgentListView.as_view()),
]

agents_ui_patterns = ([path("", agent_views.dashboard, name="dashboard")], "agents")

urlpatterns = [
    path("", views.demo_site, name="demo"),
    path("healthz/", views.health, name="health"),
    path("agent/", include(agents_ui_patterns)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("help/", include("helpdesk.knowledge.urls")),
    path("api/widget/", include(widget_patterns)),
    path("api/agent/", include(agent_patterns)),
    path("api/avatars/<int:user_id>/", agent_views.avatar, name="agent-avatar"),
    path(
        "api/attachments/<str:token>/",
        widget_api.AttachmentDownloadView.as_view(),
        name="attachment",
    ),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
