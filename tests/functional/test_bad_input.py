"""Hostile input to pages and the API: a clear 4xx every time, never a 500 (issue: core v2)."""
import base64

import pytest

from tests import factories


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    _cursor("[" * 50000),                       # nested deeper than the JSON parser recurses
    _cursor('[{"t": "2026-01-01T00:00:00+00:00"}, ' + "9" * 5000 + "]"),  # an id past any int
    _cursor('[1e999, 1]'),
    "A" * 10000,
    "9" * 5000,
])
def test_hostile_list_cursors_are_400(client, cursor):
    for url in (f"/api/v1/threads?cursor={cursor}", f"/api/v1/threads?sort=votes&cursor={cursor}",
                f"/threads?cursor={cursor}", f"/api/v1/categories?cursor={cursor}",
                f"/api/v1/users/1/reputation?cursor={cursor}"):
        response = client.get(url)
        assert response.status_code in (400, 404), (url, response.status_code)


@pytest.mark.parametrize("url", ["/t/2147483648", "/t/99999999999999999999999", "/u/2147483648",
                                 "/api/v1/threads/2147483648", "/api/v1/posts/4294967296",
                                 "/api/v1/users/9223372036854775808"])
def test_ids_past_the_column_type_are_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/threads?tag=a%00b", "/threads?category=%00", "/c/a%00b",
                                 "/api/v1/threads?tag=%00", "/api/v1/threads?category=x%00"])
def test_nul_in_a_url_is_400(client, url):
    assert client.get(url).status_code == 400


def test_unicode_digits_in_the_accept_form_are_a_clear_error(web, app):
    asker = factories.user(username="asker")
    thread = factories.thread(asker)
    factories.answer(thread)
    web.login("asker")
    for raw in ("²", "١", "9" * 5000, "-1", "1.0"):
        response = web.post(f"/t/{thread.id}/accept", {"post_id": raw})
        assert response.status_code == 422, raw


def test_event_feed_ids_past_any_int_are_400(api, app):
    token = api.token_for(factories.user("support").email)
    assert api.get("/events?after=" + "9" * 5000, token).status_code == 400
    assert api.get("/events?limit=" + "9" * 5000, token).status_code == 400
