"""The knowledge base on the web and in the API: /kb with filters, the item page with its
versions and Article JSON-LD, staff review; GET /knowledge shapes; retired items hidden."""
import json

import pytest
from bs4 import BeautifulSoup

from community import services
from community.knowledge import item_for_thread
from community.models import User
from core.database import db
from crm import relay
from tests import factories


def _solved(title="How do I rotate the API keys?", tags=("keys",), category=None, body=None):
    asker = factories.user()
    thread = factories.thread(asker, category, title=title, tags=list(tags),
                              body=body or "The question body, long enough to stand.")
    answer = factories.answer(thread, body="Use the **rotate** button in settings.")
    services.accept_answer(asker, thread.id, answer.id)
    return asker, thread, answer, item_for_thread(thread.id)


def _jsonld(html: str) -> list[dict]:
    soup = BeautifulSoup(html, "html.parser")
    return [json.loads(s.string) for s in soup.find_all("script", type="application/ld+json")]


def test_kb_lists_items_and_filters_by_category_and_tag(client, app):
    billing, setup = factories.category("Billing"), factories.category("Setup")
    _, _, _, first = _solved("Where do invoices go each month?", ("invoices",), billing)
    _, _, _, second = _solved("How do I install the agent?", ("agent",), setup)
    page = client.get("/kb").get_data(as_text=True)
    assert first.title in page and second.title in page
    page = client.get(f"/kb?category={billing.slug}").get_data(as_text=True)
    assert first.title in page and second.title not in page
    page = client.get("/kb?tag=agent").get_data(as_text=True)
    assert second.title in page and first.title not in page
    assert "No articles match" in client.get("/kb?tag=nothing").get_data(as_text=True)


def test_item_page_shows_the_article_with_valid_article_jsonld(client, app):
    asker, thread, answer, item = _solved()
    response = client.get(f"/kb/{item.id}")
    assert response.status_code == 301
    html = client.get(f"/kb/{item.id}-{item.slug}").get_data(as_text=True)
    assert "<strong>rotate</strong>" in html
    [article] = _jsonld(html)
    assert article["@type"] == "Article" and article["headline"] == thread.title
    assert article["version"] == 1
    assert article["isBasedOn"].endswith(f"/t/{thread.id}/{thread.slug}")


def test_a_solved_thread_links_to_its_article(client, app):
    asker, thread, answer, item = _solved()
    html = client.get(f"/t/{thread.id}/{thread.slug}").get_data(as_text=True)
    assert f'href="/kb/{item.id}-{item.slug}"' in html


def test_jsonld_cannot_be_broken_out_of(client, app):
    title = "Why does </script><script>alert(1)</script> show up?"
    _, thread, _, item = _solved(title=title)
    html = client.get(f"/kb/{item.id}-{item.slug}").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert _jsonld(html)[0]["headline"] == title


def test_every_version_is_viewable(client, app):
    asker, thread, answer, item = _solved()
    services.edit_post(db.session.get(User, answer.author_id), answer.id,
                       "Use the rotate button, then wait a minute.")
    html = client.get(f"/kb/{item.id}-{item.slug}").get_data(as_text=True)
    assert "Version 2" in html and "Version 1" in html
    old = client.get(f"/kb/{item.id}-{item.slug}/v1").get_data(as_text=True)
    assert "<strong>rotate</strong>" in old and "You are reading version 1" in old
    assert client.get(f"/kb/{item.id}-{item.slug}/v9").status_code == 404


def test_retired_items_are_hidden_from_readers_and_kept_for_staff(client, web, app, api):
    asker, thread, answer, item = _solved()
    moderator = factories.user("moderator")
    services.delete_post(moderator, thread.question_post_id)
    assert client.get(f"/kb/{item.id}-{item.slug}").status_code == 404
    assert api.get(f"/knowledge/{item.id}").status_code == 404
    assert api.get(f"/knowledge?thread_id={thread.id}").json["items"] == []
    web.login(moderator.username)
    assert web.get(f"/kb/{item.id}-{item.slug}").status_code == 200
    assert item.title in web.get("/staff/knowledge?status=retired").get_data(as_text=True)


def test_stale_items_are_listed_for_staff_review(web, app):
    app.config["KNOWLEDGE_STALE_MARGIN"] = 1
    asker, thread, answer, item = _solved()
    better = factories.answer(thread, body="A clearly better answer to this.")
    services.cast_vote(factories.user(), better.id, 1)
    member = factories.user()
    web.login(member.username)
    assert web.get("/staff/knowledge").status_code == 403
    web.post("/logout")
    web.login(factories.user("support").username)
    page = web.get("/staff/knowledge").get_data(as_text=True)
    assert item.title in page and f"Answer {better.id}" in page


def test_api_knowledge_shapes(api, app):
    asker, thread, answer, item = _solved()
    relay.run_once()
    listed = api.get(f"/knowledge?thread_id={thread.id}").json["items"]
    assert [i["id"] for i in listed] == [item.id]
    doc = api.get(f"/knowledge/{item.id}").json
    assert set(doc) >= {"id", "thread_id", "title", "problem_html", "solution_html", "tags",
                        "category", "contributors", "source_url", "version", "status", "crm"}
    assert (doc["version"], doc["status"], doc["tags"]) == (1, "published", ["keys"])
    assert doc["crm"]["article_ref"].startswith("la-")
    assert doc["crm"]["contact_ref"].startswith("lc-")
    assert doc["crm"]["synced_at"].endswith("Z") and doc["created_at"].endswith("Z")
    assert api.get(f"/knowledge/{item.id}/versions/1").json["version"] == 1
    assert api.get("/knowledge/999999").status_code == 404
    assert api.get("/knowledge?thread_id=abc").status_code == 400


@pytest.mark.parametrize("url, caller", [("/kb", "client"), ("/knowledge", "api")])
def test_list_queries_do_not_grow_with_items(request, app, count_queries, url, caller):
    get = request.getfixturevalue(caller).get
    _solved("The first question of many here")
    with count_queries() as few:
        get(url)
    for n in range(4):
        _solved(f"Another question number {n} here")
    with count_queries() as many:
        assert get(url).status_code == 200
    assert many.count == few.count
