"""Ids in URLs: any number a client writes, however long, is answered like an
id that does not exist. Found by the API fuzzing: 2**64 overflowed the query."""

import pytest

from ..conftest import as_visitor

HUGE = [2**63, 2**64, 10**30]


@pytest.mark.parametrize("ticket_id", HUGE)
def test_a_widget_ticket_id_too_big_for_any_column_is_a_404(api, visitor_ann, ticket_id):
    as_visitor(api, visitor_ann)
    for path in ("messages", "seen", "end", "rating", "typing", "transcript"):
        response = api.post(f"/api/widget/tickets/{ticket_id}/{path}/", {}, format="json")
        assert response.status_code == 404, path


@pytest.mark.parametrize("ticket_id", HUGE)
def test_an_agent_ticket_id_too_big_for_any_column_is_a_404(bob_api, ticket_id):
    assert bob_api.get(f"/api/agent/tickets/{ticket_id}/").status_code == 404
    assert bob_api.get(f"/api/agent/tickets/{ticket_id}/visitor/").status_code == 404


def test_an_id_that_fits_still_reaches_its_ticket(ann_api, ticket_ann):
    assert ann_api.get(f"/api/widget/tickets/{ticket_ann.pk}/messages/").status_code == 200
