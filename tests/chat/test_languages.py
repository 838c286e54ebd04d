"""Parley's own messages reach a visitor in the widget's language: REST by
Accept-Language, sockets by ``?lang=`` or Accept-Language."""

import re
from gettext import GNUTranslations
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import connect

pytestmark = pytest.mark.django_db

MALFORMED_DE = "Der Frame ist kein gültiges JSON."
MALFORMED_EN = "The frame is not valid JSON."
CATALOGUE = Path(settings.LOCALE_PATHS[0]) / "de" / "LC_MESSAGES"


def test_rest_errors_follow_accept_language(ann_api):
    german = ann_api.post(
        "/api/widget/tickets/", {"body": "  "}, format="json", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9"
    )
    assert german.data == {"code": "empty_body", "message": "Die Nachricht ist leer."}
    english = ann_api.post(
        "/api/widget/tickets/", {"body": "  "}, format="json", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert english.data["message"] == "The message is empty."


def test_the_widget_gets_its_words_in_the_language_the_server_picked(api, widget):
    response = api.get(
        "/api/widget/config/",
        {"key": "acme"},
        HTTP_ORIGIN="https://shop.example",
        HTTP_ACCEPT_LANGUAGE="fr-CH, de;q=0.8, en;q=0.5",
    )
    assert response.data["language"] == "de"
    words = response.data["words"]
    assert words["send"] == "Nachricht senden"
    assert words["openN"] == [
        "Chat öffnen, {n} ungelesene Nachricht",
        "Chat öffnen, {n} ungelesene Nachrichten",
    ]
    # Every word the widget knows, in the same shape in every language.
    english = api.get("/api/widget/config/", {"key": "acme"}, HTTP_ORIGIN="https://shop.example")
    assert english.data["words"].keys() == words.keys()
    assert english.data["words"]["send"] == "Send message"


def test_messages_with_values_are_translated_whole(ann_api, ticket_ann, settings):
    settings.PARLEY = {**settings.PARLEY, "MESSAGE_MAX_LENGTH": 10}
    response = ann_api.post(
        f"/api/widget/tickets/{ticket_ann.pk}/messages/",
        {"body": "x" * 11},
        format="json",
        HTTP_ACCEPT_LANGUAGE="de",
    )
    assert response.data["message"] == "Die Nachricht ist länger als 10 Zeichen."


@pytest.mark.parametrize(
    ("path", "headers", "expected"),
    [
        ("/ws/widget/?lang=de", [], MALFORMED_DE),
        ("/ws/widget/", [(b"accept-language", b"de-AT,de;q=0.8")], MALFORMED_DE),
        # The page chose the widget's language over the browser's.
        ("/ws/widget/?lang=en", [(b"accept-language", b"de")], MALFORMED_EN),
        ("/ws/widget/?lang=xx", [], MALFORMED_EN),
    ],
)  # fmt: skip
async def test_socket_errors_follow_the_handshakes_language(path, headers, expected):
    communicator = await connect(path, headers)
    await communicator.send_to(text_data="{not json")
    frame = await communicator.receive_json_from()
    assert (frame["code"], frame["message"]) == ("malformed_json", expected)
    await communicator.disconnect()


def po_entries(path: Path) -> list[dict[str, str]]:
    """The entries of a .po file, as {"msgid": ..., "msgid_plural": ..., "msgstr[0]": ...},
    with continued lines joined and the header left out."""
    entries, current, field = [], {}, None
    for line in [*path.read_text().splitlines(), ""]:
        if match := re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) "(.*)"$', line):
            field = match[1]
            current[field] = match[2]
        elif line.startswith('"') and field:
            current[field] += line[1:-1]
        elif not line.strip() and current:
            entries.append(
                {
                    k: v.encode().decode("unicode_escape").encode("latin-1").decode()
                    for k, v in current.items()
                }
            )
            current, field = {}, None
    return [entry for entry in entries if entry.get("msgid")]


def test_every_word_is_translated_and_compiled():
    """Fails when `make messages` was not run after a change to Parley's words."""
    entries = po_entries(CATALOGUE / "django.po")
    with open(CATALOGUE / "django.mo", "rb") as mo:
        compiled = GNUTranslations(mo)
    assert len(entries) > 50
    for entry in entries:
        msgid = entry["msgid"]
        if "msgid_plural" in entry:
            forms = [entry["msgstr[0]"], entry["msgstr[1]"]]
            assert all(forms), f"{msgid!r} is not translated"
            assert [compiled.ngettext(msgid, entry["msgid_plural"], n) for n in (1, 2)] == forms
        else:
            assert entry["msgstr"], f"{msgid!r} is not translated"
            assert compiled.gettext(msgid) == entry["msgstr"], f"{msgid!r} is not in django.mo"
