"""Retrieval over article passages with BM25 (bm25s), one index per language.

The Celery task ``knowledge.rebuild_index`` builds a language's index whenever
one of its articles changes and stores it in ``SearchIndex`` with a new version.
Each process keeps the index it last loaded and reloads when the stored version
has moved, so every daphne process and worker answers from the same articles
without sharing memory (docs/architecture.md).
"""

import hashlib
import io
import json
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import bm25s
import Stemmer
from django.db import transaction
from django.utils import timezone

from .models import Article, Language, SearchIndex
from .rendering import passages

STEMMER_NAMES = {Language.EN: "english", Language.DE: "german"}
ROWS_NAME = "parley-rows.json"
# Longer queries are cut: BM25 gains nothing from a pasted essay.
QUERY_MAX_CHARS = 1000


@dataclass(frozen=True)
class Hit:
    """One passage that matched, with what a source link needs."""

    article_id: int
    title: str
    slug: str
    language: str
    heading: str
    anchor: str
    text: str
    score: float


def tokens(texts: list[str], language: str) -> list[list[str]]:
    # A Stemmer object must not be shared between threads; making one is cheap.
    stemmer = Stemmer.Stemmer(STEMMER_NAMES[language])
    return bm25s.tokenize(
        texts,
        stopwords=language,
        stemmer=stemmer.stemWords,
        return_ids=False,
        show_progress=False,
    )


def _passage_rows(language: str) -> list[dict]:
    rows = []
    articles = Article.objects.filter(language=language, published=True).order_by("pk")
    for article in articles:
        for passage in passages(article.body):
            rows.append(
                {
                    "article": article.pk,
                    "title": article.title,
                    "heading": passage.heading,
                    "anchor": passage.anchor,
                    "text": passage.text,
                }
            )
    return rows


def _pack(rows: list[dict], language: str) -> bytes:
    """The bm25s index of ``rows``, in bm25s's own files, zipped."""
    # The title and heading are searched with each passage: they say what it is about.
    texts = [f"{row['title']}\n{row['heading']}\n{row['text']}" for row in rows]
    retriever = bm25s.BM25()
    retriever.index(tokens(texts, language), show_progress=False)
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        retriever.save(folder, show_progress=False)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in Path(folder).iterdir():
                archive.write(path, path.name)
            # What each row of the index is, in the index's order.
            archive.writestr(ROWS_NAME, json.dumps(rows))
    return buffer.getvalue()


def _unpack(data: bytes) -> "LoadedIndex":
    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(folder)
            rows = json.loads(archive.read(ROWS_NAME))
        retriever = bm25s.BM25.load(folder, show_progress=False)
    return LoadedIndex(retriever=retriever, rows=rows)


def rebuild(language: str) -> SearchIndex:
    """Build ``language``'s index from its published articles and store it with
    the next version. Builds of one language take turns on the row lock, so the
    last one stored has read the latest articles."""
    with transaction.atomic():
        SearchIndex.objects.get_or_create(language=language)
        index = SearchIndex.objects.select_for_update().get(language=language)
        rows = _passage_rows(language)
        digest = hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()
        if index.version and index.digest == digest:
            return index  # several changes in one transaction enqueue several builds
        index.digest = digest
        index.data = _pack(rows, language) if rows else b""
        index.passages = len(rows)
        index.version += 1
        index.built_at = timezone.now()
        index.save()
    return index


@dataclass
class LoadedIndex:
    retriever: bm25s.BM25
    rows: list[dict]


# language -> (the stored index's version and build time, this process's copy)
_loaded: dict[str, tuple[tuple, LoadedIndex | None]] = {}
_loading = threading.Lock()


def _current(language: str) -> LoadedIndex | None:
    """This process's copy of the index, reloaded if another is stored. The build
    time goes with the version, so a database rebuilt from scratch (version 1
    again) is not mistaken for the one loaded before."""
    stored = SearchIndex.objects.filter(language=language).values_list("version", "built_at")
    stamp = stored.first()
    if stamp is None:
        return None
    cached = _loaded.get(language)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _loading:
        cached = _loaded.get(language)
        if cached is None or cached[0] != stamp:
            row = SearchIndex.objects.filter(language=language).values_list(
                "version", "built_at", "data"
            )
            version, built_at, blob = row.get()
            _loaded[language] = ((version, built_at), _unpack(bytes(blob)) if blob else None)
        return _loaded[language][1]


def search(query: str, language: str, *, limit: int = 5) -> list[Hit]:
    """The passages that best match ``query``, best first; only passages of
    articles still published, and only those that share a word with it."""
    if language not in STEMMER_NAMES or not isinstance(query, str):
        return []
    index = _current(language)
    query_tokens = tokens([query[:QUERY_MAX_CHARS]], language)
    if index is None or not query_tokens[0]:
        return []
    k = min(limit * 2, len(index.rows))
    found, scores = index.retriever.retrieve(query_tokens, k=k, show_progress=False)
    matches = [(int(i), float(s)) for i, s in zip(found[0], scores[0], strict=True) if s > 0]
    live = Article.objects.filter(
        pk__in={index.rows[i]["article"] for i, _ in matches}, published=True, language=language
    ).in_bulk()
    hits = []
    for position, score in matches:
        row = index.rows[position]
        article = live.get(row["article"])
        if article is None:
            continue
        hits.append(
            Hit(
                article_id=article.pk,
                title=article.title,
                slug=article.slug,
                language=language,
                heading=row["heading"],
                anchor=row["anchor"],
                text=row["text"],
                score=score,
            )
        )
    return hits[:limit]


def best_articles(hits: list[Hit]) -> list[Hit]:
    """Each article once, at its best passage, in the order of ``hits``."""
    seen: set[int] = set()
    return [hit for hit in hits if not (hit.article_id in seen or seen.add(hit.article_id))]
