"""URL configuration: the one place, with asgi.py, that wires the apps together."""

from django.contrib import admin
from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from agents import account_api
from agents import api as agent_api
from agents import assistant_api as agent_assistant_api
from agents import views as agent_views
from agents.presence import widget_online
from agents.reports import api as report_api
from chat import api as widget_api
from chat.assistant import api as assistant_api
from chat.privacy import api as privacy_api
from chat.stream import VisitorStreamView
from helpdesk.knowledge import api as knowledge_api

from . import views
from .converters import IdConverter

register_converter(IdConverter, "id")

widget_patterns = [
    path("config/", widget_api.WidgetConfigView.as_view(agents_online=widget_online)),
    path("session/", widget_api.WidgetSessionView.as_view(agents_online=widget_online)),
    path("offline/", widget_api.WidgetOfflineMessageView.as_view()),
    path("stream/", VisitorStreamView.as_view(agents_online=widget_online)),
    path("articles/", knowledge_api.ArticleSearchView.as_view()),
    path("articles/<id:article_id>/", knowledge_api.ArticleDetailView.as_view()),
    path("tickets/", widget_api.WidgetTicketListView.as_view()),
    path("tickets/<id:ticket_id>/messages/", widget_api.WidgetMessagesView.as_view()),
    path("tickets/<id:ticket_id>/typing/", widget_api.WidgetTypingView.as_view()),
    path("tickets/<id:ticket_id>/seen/", widget_api.WidgetSeenView.as_view()),
    path("tickets/<id:ticket_id>/attachments/", widget_api.WidgetAttachmentView.as_view()),
    path("tickets/<id:ticket_id>/end/", widget_api.WidgetEndView.as_view()),
    path("tickets/<id:ticket_id>/rating/", widget_api.WidgetRatingView.as_view()),
    path("tickets/<id:ticket_id>/transcript/", widget_api.WidgetTranscriptView.as_view()),
    path(
        "tickets/<id:ticket_id>/handoff/",
        assistant_api.AssistantHandoffView.as_view(agents_online=widget_online),
    ),
    path(
        "assistant/questions/",
        assistant_api.AssistantQuestionView.as_view(agents_online=widget_online),
    ),
    path("assistant/questions/<id:question_id>/stop/", assistant_api.AssistantStopView.as_view()),
    path("assistant/answers/<id:message_id>/rating/", assistant_api.AssistantRatingView.as_view()),
]

agent_patterns = [
    path("tickets/", agent_api.TicketListView.as_view()),
    path("tickets/counts/", agent_api.TicketCountsView.as_view()),
    path("tickets/<id:ticket_id>/", agent_api.TicketDetailView.as_view()),
    path("tickets/<id:ticket_id>/messages/", agent_api.TicketMessagesView.as_view()),
    path("tickets/<id:ticket_id>/attachments/", agent_api.TicketAttachmentView.as_view()),
    path("tickets/<id:ticket_id>/visitor/", agent_api.TicketVisitorView.as_view()),
    path(
        "tickets/<id:ticket_id>/transcript/",
        agent_api.TicketTranscriptView.as_view(),
        name="agent-ticket-transcript",
    ),
    path("tickets/<id:ticket_id>/assistant/", agent_assistant_api.TicketAnswersView.as_view()),
    path("tickets/<id:ticket_id>/suggestion/", agent_assistant_api.TicketSuggestionView.as_view()),
    path(
        "assistant/answers/<id:message_id>/rating/",
        agent_assistant_api.AnswerRatingView.as_view(),
    ),
    path("assistant/deflection/", agent_assistant_api.DeflectionView.as_view()),
    path("canned/", agent_api.CannedResponseListView.as_view()),
    path("canned/<id:canned_id>/", agent_api.CannedResponseDetailView.as_view()),
    path("teams/", agent_api.TeamListView.as_view()),
    path("agents/", agent_api.AgentListView.as_view()),
    path("reports/", report_api.ReportView.as_view()),
    path("reports/export/", report_api.ReportExportView.as_view()),
    path("visitors/<uuid:visitor_id>/export/", privacy_api.VisitorExportView.as_view()),
    path("visitors/<uuid:visitor_id>/erase/", privacy_api.VisitorEraseView.as_view()),
    path("me/", account_api.MeView.as_view()),
    path("me/avatar/", account_api.MeAvatarView.as_view()),
    path("me/password/", account_api.MePasswordView.as_view()),
]

agents_ui_patterns = (
    [
        path("", agent_views.dashboard, name="dashboard"),
        path("settings/", agent_views.settings_page, name="settings"),
        path("reports/", agent_views.reports_page, name="reports"),
        path("welcome/<uidb64>/<token>/", agent_views.WelcomeView.as_view(), name="welcome"),
    ],
    "agents",
)

urlpatterns = [
    path("", views.demo_site, name="demo"),
    path("healthz/", views.health, name="health"),
    path("widgets/<slug:key>/preview/", views.widget_preview, name="widget-preview"),
    path("agent/", include(agents_ui_patterns)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("help/", include("helpdesk.knowledge.urls")),
    path("api/widget/", include(widget_patterns)),
    path("api/agent/", include(agent_patterns)),
    path("api/avatars/<id:user_id>/", agent_views.avatar, name="agent-avatar"),
    path(
        "api/attachments/<str:token>/",
        widget_api.AttachmentDownloadView.as_view(),
        name="attachment",
    ),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
