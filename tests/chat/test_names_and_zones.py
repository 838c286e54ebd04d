"""Names people see carry no direction tricks, and a visitor's time zone can't
break the agent's sidebar."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from agents.visitor_info import local_time
from helpdesk.models import Visitor

from ..conftest import as_visitor
from ..factories import AgentFactory

SHOP = "https://shop.example"
RLO = "\u202e"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def test_a_visitor_name_loses_its_direction_controls(api, widget):
    response = api.post(
        "/api/widget/session/",
        {"key": "acme", "name": f"Ann{RLO}nimdA\u2066\u200f"},
        format="json",
        HTTP_ORIGIN=SHOP,
    )
    assert response.data["visitor"]["name"] == "AnnnimdA"
    assert Visitor.objects.get().name == "AnnnimdA"


def test_an_offline_form_name_loses_its_direction_controls(api, visitor_ann):
    as_visitor(api, visitor_ann)
    response = api.post(
        "/api/widget/offline/",
        {"body": "Call me", "email": "ann@example.com", "name": f"{RLO}Ann"},
        format="json",
        HTTP_ORIGIN=SHOP,
    )
    assert response.status_code == 201
    visitor_ann.refresh_from_db()
    assert RLO not in visitor_ann.name


def test_a_file_name_can_not_hide_its_extension(ann_api, ticket_ann, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile(f"invoice{RLO}gnp.exe", PNG)
    response = ann_api.post(
        f"/api/widget/tickets/{ticket_ann.pk}/attachments/", {"file": upload}, HTTP_ORIGIN=SHOP
    )
    assert response.data["message"]["attachment"]["name"] == "invoicegnp.exe"


def test_an_agent_display_name_loses_its_direction_controls(db):
    agent = AgentFactory(display_name=f"Bob{RLO} (manager)")
    agent.refresh_from_db()
    assert agent.display_name == "Bob (manager)"


# No NUL here: PostgreSQL's jsonb can't store one, and the session refuses such a
# zone (below); a NUL zone is checked without a database.
@pytest.mark.parametrize("zone", ["America", "Etc", "America/", "../etc", "a" * 64])
def test_a_stored_bad_time_zone_leaves_the_sidebar_working(bob_api, ticket_ann, zone):
    visitor = ticket_ann.visitor
    visitor.metadata = {"timezone": zone}
    visitor.save()
    response = bob_api.get(f"/api/agent/tickets/{ticket_ann.pk}/visitor/")
    assert response.status_code == 200
    assert response.data["timezone"] == zone
    assert response.data["local_time"] is None


@pytest.mark.parametrize(
    ("zone", "kept"), [("Etc", False), ("America", False), ("Europe/Berlin", True)]
)
def test_a_time_zone_is_kept_only_if_it_is_one(api, widget, zone, kept):
    response = api.post(
        "/api/widget/session/", {"key": "acme", "timezone": zone}, format="json", HTTP_ORIGIN=SHOP
    )
    assert response.status_code == 200
    assert ("timezone" in Visitor.objects.get().metadata) is kept


def test_a_time_zone_with_a_nul_is_refused_and_stores_nothing(api, widget):
    response = api.post(
        "/api/widget/session/",
        {"key": "acme", "timezone": "UTC\0"},
        format="json",
        HTTP_ORIGIN=SHOP,
    )
    assert response.status_code == 400, response.content
    assert not any("\0" in str(v.metadata) for v in Visitor.objects.all())
    assert local_time("UTC\0") is None


def test_local_time_of_a_real_zone_has_its_offset():
    assert local_time("Asia/Kolkata").endswith("+05:30")
