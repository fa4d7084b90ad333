"""The history page: each revision as a diff against the one before (title, tags, body), with
the editor, the time and the reason; 20 a page, newest first; bounded for huge posts."""
from bs4 import BeautifulSoup

from app.web import revision_diffs
from community import services
from tests import factories


def _history(client, post_id, **args):
    response = client.get(f"/posts/{post_id}/revisions", query_string=args)
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _revision(soup, rev):
    return soup.find("li", id=f"rev-{rev}")


def test_question_edit_shows_title_tags_and_body_changes_with_reason(client, app):
    author = factories.user(username="asker")
    thread = factories.thread(author, title="Invoice totals look wrong", tags=["billing", "vat"],
                              body="Line one stays.\nThe total is 10 EUR.\nLine three stays.")
    editor = factories.user("moderator", username="tidy")
    services.edit_thread(editor, thread.id, title="Invoice totals ignore VAT",
                         body="Line one stays.\nThe total is 12 EUR.\nLine three stays.",
                         tags="billing, tax", reason="Clearer title; the real amounts")
    soup = _history(client, thread.question_post_id)
    latest, original = _revision(soup, 2), _revision(soup, 1)
    assert soup.select("li.revision")[0] is latest  # newest first
    assert [d.get_text() for d in latest.select(".title-change del")] == ["Invoice totals look wrong"]
    assert [i.get_text() for i in latest.select(".title-change ins")] == ["Invoice totals ignore VAT"]
    assert [d.get_text() for d in latest.select(".tags-change del")] == ["vat"]
    assert [i.get_text() for i in latest.select(".tags-change ins")] == ["tax"]
    assert [d.get_text() for d in latest.select("pre.diff del")] == ["- The total is 10 EUR."]
    assert [i.get_text() for i in latest.select("pre.diff ins")] == ["+ The total is 12 EUR."]
    assert "Clearer title; the real amounts" in latest.select_one(".reason").get_text()
    assert "tidy" in latest.select_one(".meta").get_text()
    assert latest.find("time")["datetime"]
    # The original is shown whole, with the tags it was asked with.
    assert "Invoice totals look wrong" in original.get_text()
    assert [t.get_text() for t in original.select(".tag")] == ["billing", "vat"]
    assert "The total is 10 EUR." in original.select_one("pre.source").get_text()


def test_tag_only_edit_is_a_revision_with_a_tag_diff(client, app):
    author = factories.user()
    thread = factories.thread(author, tags=["old"])
    services.edit_thread(author, thread.id, tags="old, new")
    soup = _history(client, thread.question_post_id)
    latest = _revision(soup, 2)
    assert [i.get_text() for i in latest.select(".tags-change ins")] == ["new"]
    assert "Body unchanged" in latest.get_text()


def test_answer_history_pages_twenty_at_a_time(client, app, count_queries):
    thread = factories.thread()
    author = factories.user()
    answer = factories.answer(thread, author, body="Version 1 of the answer.")
    for n in range(2, 26):
        services.edit_post(author, answer.id, f"Version {n} of the answer.", reason=f"step {n}")
    first = _history(client, answer.id)
    shown = [li["id"] for li in first.select("li.revision")]
    assert shown == [f"rev-{n}" for n in range(25, 5, -1)]
    # The oldest revision on the page is still a diff against the one before it.
    assert _revision(first, 6).select_one("pre.diff del").get_text() == "- Version 5 of the answer."
    next_link = first.find("a", rel="next")["href"]
    assert next_link.endswith("before=6")
    second = BeautifulSoup(client.get(next_link).get_data(as_text=True), "html.parser")
    assert [li["id"] for li in second.select("li.revision")] == [f"rev-{n}" for n in range(5, 0, -1)]
    assert second.find("a", rel="next") is None


def test_history_query_count_does_not_grow_with_revisions(client, app, count_queries):
    thread = factories.thread()
    counts = []
    for edits in (2, 30):
        author = factories.user()
        answer = factories.answer(thread, author, body="Version 0 of the answer.")
        for n in range(edits):
            services.edit_post(author, answer.id, f"Version {n + 1} of the answer.")
        client.get(f"/posts/{answer.id}/revisions")
        with count_queries() as counter:
            assert client.get(f"/posts/{answer.id}/revisions").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_bad_history_page_is_a_400(client, app):
    answer = factories.answer(factories.thread())
    for before in ("abc", "0", "99", "²", "9" * 5000):
        assert client.get(f"/posts/{answer.id}/revisions?before={before}").status_code == 400


def test_huge_bodies_are_compared_within_bounds(client, app):
    author = factories.user()
    thread = factories.thread(author)
    lines = [f"line {i} of a long post" for i in range(1000)]
    answer = factories.answer(thread, author, body="\n".join(lines))
    services.edit_post(author, answer.id, "\n".join(["changed first line"] + lines[1:]))
    latest = _revision(_history(client, answer.id), 2)
    assert latest.select_one("pre.diff del").get_text() == "- line 0 of a long post"
    assert "Only the first part of a long body is compared" in latest.get_text()
    assert len(latest.select("pre.diff > *")) < 20


def test_diff_of_a_change_past_the_compared_part_says_so():
    head = "x\n" * revision_diffs.MAX_LINES
    lines, truncated = revision_diffs.body_diff(head + "old tail", head + "new tail")
    assert lines == [] and truncated
