"""The widget's read-only view of the knowledge base: article search (also for
suggestions as the visitor types) and one article, rendered. No visitor is
needed, as for the widget's config: a page can search before anyone chats."""

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.abuse.throttling import (
    AddressNotBlocked,
    RefusedFromMemoryFirst,
    WidgetRateThrottle,
)
from helpdesk.models import Widget

from . import retrieval
from .models import Article, Language
from .rendering import render
from .views import article_url

RESULTS_MAX = 10


class ArticleSearchQuerySerializer(serializers.Serializer):
    key = serializers.CharField(max_length=40)
    q = serializers.CharField(max_length=200, trim_whitespace=True)
    lang = serializers.ChoiceField(choices=Language.choices, default=Language.EN)
    limit = serializers.IntegerField(min_value=1, max_value=RESULTS_MAX, default=5)


class ArticleQuerySerializer(serializers.Serializer):
    key = serializers.CharField(max_length=40)


def absolute(path: str) -> str:
    # The widget runs on other sites: its links must name Parley's host.
    return settings.PARLEY["SITE_URL"] + path


def embeddable_widget(request: Request, key: str) -> Widget:
    widget = Widget.objects.filter(key=key).first()
    if widget is None:
        raise NotFound(_("No widget has the key %(key)r.") % {"key": key[:40]})
    if not widget.allows_origin(request.headers.get("Origin")):
        raise PermissionDenied(_("This site may not use this chat widget."))
    return widget


class ArticleSearchView(RefusedFromMemoryFirst, APIView):
    authentication_classes = []
    permission_classes = [AddressNotBlocked]
    throttle_classes = [WidgetRateThrottle]
    throttle_scopes = {"GET": "articles"}

    @extend_schema(parameters=[ArticleSearchQuerySerializer])
    def get(self, request: Request) -> Response:
        """Articles that match ``q``, best first, each at its best passage."""
        query = ArticleSearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        fields = query.validated_data
        widget = embeddable_widget(request, fields["key"])
        hits = retrieval.search(fields["q"], fields["lang"], limit=fields["limit"] * 3)
        results = [
            {
                "id": hit.article_id,
                "title": hit.title,
                "heading": hit.heading,
                "snippet": hit.text[:240],
                "url": absolute(article_url(widget.key, hit)),
            }
            for hit in retrieval.best_articles(hits)[: fields["limit"]]
        ]
        return Response({"query": fields["q"], "lang": fields["lang"], "results": results})


class ArticleDetailView(RefusedFromMemoryFirst, APIView):
    authentication_classes = []
    permission_classes = [AddressNotBlocked]
    throttle_classes = [WidgetRateThrottle]
    throttle_scopes = {"GET": "articles"}

    @extend_schema(parameters=[ArticleQuerySerializer])
    def get(self, request: Request, article_id: int) -> Response:
        """One published article, its body as sanitised HTML."""
        query = ArticleQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        widget = embeddable_widget(request, query.validated_data["key"])
        article = Article.objects.filter(pk=article_id, published=True).first()
        if article is None:
            raise NotFound(_("No such article."))
        return Response(
            {
                "id": article.pk,
                "title": article.title,
                "lang": article.language,
                "html": render(article.body),
                "updated_at": article.updated_at.isoformat(),
                "url": absolute(article.path(widget.key)),
            }
        )
