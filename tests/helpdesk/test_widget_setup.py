"""Setting a widget up: its admin page shows the tag to paste with a copy button
and a live preview, and its greeting and offline text can be given per language."""

import pytest

from helpdesk.models import Widget

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://help.example.com"


@pytest.fixture(autouse=True)
def site(settings):
    settings.PARLEY = settings.PARLEY | {"SITE_URL": SITE}


@pytest.fixture
def shop(db):
    return Widget.objects.create(name="Shop", key="shop-1", allowed_origins="https://shop.example")


def config(api, key: str, language: str, **headers):
    return api.get("/api/widget/config/", {"key": key}, HTTP_ACCEPT_LANGUAGE=language, **headers)


# --- the admin page ---------------------------------------------------------------------


def test_the_widget_page_shows_the_tag_to_paste_with_a_copy_button(admin_client, shop):
    page = admin_client.get(f"/admin/helpdesk/widget/{shop.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    tag = (
        f"&lt;script src=&quot;{SITE}/static/widget/parley.js&quot; data-key=&quot;shop-1&quot; "
        "async&gt;&lt;/script&gt;"
    )
    assert tag in html
    assert 'data-copy="parley-embed-tag"' in html
    assert "dashboard/admin-widget.js" in html


def test_the_widget_page_has_a_live_preview_in_each_language(admin_client, shop):
    html = admin_client.get(f"/admin/helpdesk/widget/{shop.pk}/change/").content.decode()
    assert 'src="/widgets/shop-1/preview/?lang=en"' in html
    assert 'href="/widgets/shop-1/preview/?lang=de" target="parley-preview"' in html


def test_a_new_widget_has_nothing_to_embed_until_saved(admin_client):
    page = admin_client.get("/admin/helpdesk/widget/add/")
    assert page.status_code == 200
    assert b"parley-embed-tag" not in page.content


def test_the_preview_embeds_the_widget_as_its_tag_does(admin_client, shop):
    page = admin_client.get("/widgets/shop-1/preview/?lang=de")
    assert page.status_code == 200
    assert page["X-Frame-Options"] == "SAMEORIGIN"
    html = page.content.decode()
    assert 'src="http://testserver/static/widget/parley.js"' in html
    assert 'data-key="shop-1" data-lang="de"' in html
    other = admin_client.get("/widgets/shop-1/preview/?lang=<script>")
    assert 'data-lang="en"' in other.content.decode()


def test_the_preview_is_for_staff_and_known_widgets(client, admin_client, shop):
    assert client.get("/widgets/shop-1/preview/").status_code == 302  # to admin's login
    client.force_login(UserFactory())
    assert client.get("/widgets/shop-1/preview/").status_code == 302
    assert admin_client.get("/widgets/nope/preview/").status_code == 404
    assert admin_client.get("/widgets/<b>/preview/").status_code == 404


def test_parleys_own_pages_may_use_a_widget_limited_to_other_sites(api, shop):
    assert config(api, "shop-1", "en", HTTP_ORIGIN=SITE).status_code == 200
    assert config(api, "shop-1", "en", HTTP_ORIGIN="https://shop.example").status_code == 200
    assert config(api, "shop-1", "en", HTTP_ORIGIN="https://evil.example").status_code == 403


# --- words per language -----------------------------------------------------------------


def test_a_german_visitor_gets_the_stock_greeting_in_german(api, shop):
    assert config(api, "shop-1", "de-DE,de").data["greeting"] == (
        "Hallo! Wie können wir Ihnen helfen?"
    )
    assert config(api, "shop-1", "en").data["greeting"] == "Hi! How can we help you today?"


def test_each_language_gets_the_greeting_and_offline_text_given_for_it(api, shop):
    shop.greeting = "Welcome to Shop!"
    shop.greeting_de = "Willkommen bei Shop!"
    shop.offline_message = "We answer on weekdays."
    shop.offline_message_de = "Wir antworten werktags."
    shop.save()
    english, german = config(api, "shop-1", "en").data, config(api, "shop-1", "de").data
    assert (english["greeting"], english["words"]["offline"]) == (
        "Welcome to Shop!",
        "We answer on weekdays.",
    )
    assert (german["greeting"], german["words"]["offline"]) == (
        "Willkommen bei Shop!",
        "Wir antworten werktags.",
    )


def test_without_a_german_text_german_visitors_get_the_english_one(api, shop):
    shop.greeting = "<b>Welcome</b> to Shop!"
    shop.offline_message = "We answer on weekdays."
    shop.save()
    german = config(api, "shop-1", "de").data
    assert german["greeting"] == "<b>Welcome</b> to Shop!"  # text; the widget never parses it
    assert german["words"]["offline"] == "We answer on weekdays."


def test_without_an_offline_text_the_widget_keeps_its_own_words(api, shop):
    german = config(api, "shop-1", "de").data
    assert german["words"]["offline"].startswith("Wir sind gerade nicht da.")


def test_the_admin_form_takes_the_texts_per_language(admin_client, shop):
    form = {
        "name": "Shop",
        "allowed_origins": "https://shop.example",
        "greeting": "Hi",
        "greeting_de": "Hallo",
        "accent_color": "#4f46e5",
        "position": "right",
        "prechat": "off",
        "offline_form": "on",
        "offline_message": "Later",
        "offline_message_de": "Später",
    }
    response = admin_client.post(f"/admin/helpdesk/widget/{shop.pk}/change/", form)
    assert response.status_code == 302, response.content
    shop.refresh_from_db()
    assert (shop.greeting_de, shop.offline_message, shop.offline_message_de) == (
        "Hallo",
        "Later",
        "Später",
    )
