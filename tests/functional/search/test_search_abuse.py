"""Abuse: anonymous search and similar questions are rate-limited per client address (429), and a
long similar-questions body is cut before the model."""
import pytest

from search.similar import MODEL_CHARS, vector_rankings
from tests import factories
from tests.functional.search.conftest import catch_up
from tests.functional.semantic.conftest import embed

PATHS = ["/search?q=printer", "/api/v1/search?q=printer",
         "/api/v1/search/similar?title=printer+prints+blank+pages"]


@pytest.mark.parametrize("path", PATHS)
def test_anonymous_searches_are_limited_per_client_address(app, client, path):
    app.config["SEARCH_RATE_LIMIT"] = "3 per minute"
    here = {"REMOTE_ADDR": "198.51.100.7"}
    assert [client.get(path, environ_base=here).status_code for _ in range(3)] == [200] * 3
    limited = client.get(path, environ_base=here)
    assert limited.status_code == 429 and limited.headers.get("Retry-After")
    assert client.get(path, environ_base={"REMOTE_ADDR": "198.51.100.8"}).status_code == 200


def test_a_3000_character_body_cut_before_the_model_finds_the_same(app, backend):
    factories.thread(title="Printer prints blank pages", body="Every page comes out empty.")
    catch_up()
    embed()
    title = "printer trouble"
    body = ("The pages come out of the printer without any ink on them. " * 60)[:3000]
    cut = f"{title}\n{body}"[:MODEL_CHARS]
    assert vector_rankings(title, body, 10) == vector_rankings(title, cut[len(title) + 1:], 10)
