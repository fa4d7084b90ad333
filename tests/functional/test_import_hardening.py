"""`flask import stackexchange` hardened: a multi-megabyte Body streams through and is cut to the
body limit with a note (counted in the report, the page stays small), the reader keeps every row
after a huge value, and imported solved threads get their knowledge items in bulk."""
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import func, select

from app.importers import reading
from app.importers.html_text import cut_body
from community.models import (ImportSource, KnowledgeItem, KnowledgeVersion, Post, Thread,
                              User)
from core.database import db
from core.events import DomainEvent
from crm.models import OutboxRow
from tests.functional._se_dumps import posts, write_dump, write_xml

PARAGRAPH = "<p>The printer shows error 42 when I <strong>print</strong> a long report.</p>\n"


def _thread(external_id: str, site: str = "beer") -> Thread:
    local = db.session.scalar(select(ImportSource.local_id).where(
        ImportSource.site == site, ImportSource.kind == "thread",
        ImportSource.external_id == external_id))
    return db.session.get(Thread, local)


def _import(runner, directory):
    result = runner.invoke(args=["import", "stackexchange", str(directory), "--no-index"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def huge_dump(tmp_path):
    """The small beer dump, its solved question's body ~5 MB (answers and links as before)."""
    directory = write_dump(tmp_path / "beer")
    rows = posts()
    rows[0]["Body"] = PARAGRAPH * (5 * 1024 * 1024 // len(PARAGRAPH))
    write_xml(directory / "Posts.xml", "posts", rows)
    return directory


def test_a_5_mb_body_is_cut_to_the_limit_with_a_note_and_counted(app, runner, web, huge_dump):
    output = _import(runner, huge_dump)
    assert "posts cut to the body limit (a note says so): 1" in output
    assert "threads imported: 4" in output and "answers imported: 3" in output
    limit = app.config["BODY_MAX_LENGTH"]
    thread = _thread("10")
    question = db.session.get(Post, thread.question_post_id)
    assert len(question.body) <= limit
    assert question.body.startswith("The printer shows error 42")
    assert "cut to 30,000 characters when it was imported" in question.body
    assert "cut to 30,000 characters" in question.body_html
    assert len(question.body_html) < 3 * limit
    assert thread.status == "solved" and thread.answer_count == 2  # the thread kept whole
    page = web.get(f"/t/{thread.id}/{thread.slug}")
    assert page.status_code == 200 and len(page.get_data()) < 200_000
    # Every other post is as the source gave it.
    others = db.session.scalars(select(Post.body).where(Post.id != question.id)).all()
    assert others and not [b for b in others if "when it was imported" in b]


def test_the_reader_keeps_every_row_after_a_huge_value(tmp_path):
    big = "x" * (3 * 1024 * 1024)
    rows = [{"Id": "1", "Body": big}, {"Id": "2", "Body": "small"}, {"Id": "3", "Body": big}]
    write_xml(tmp_path / "Posts.xml", "posts", rows)
    read = list(reading.rows(tmp_path / "Posts.xml"))
    assert [r["Id"] for r in read] == ["1", "2", "3"]
    assert read[0]["Body"] == big and read[2]["Body"] == big
    whole = (tmp_path / "Posts.xml").read_bytes()
    (tmp_path / "Cut.xml").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ET.ParseError):
        list(reading.rows(tmp_path / "Cut.xml"))


def test_cutting_a_body_ends_at_a_paragraph_and_closes_an_open_code_block():
    body = "<p>Intro paragraph.</p>" + "<pre><code>" + "line of code\n" * 5000 + "</code></pre>"
    text, html, original = cut_body(body, 3000)
    assert original == len(body) and len(text) <= 3000
    assert text.count("```") % 2 == 0 and "<code>line of code" in html
    assert "cut to 3,000 characters" in html
    same = cut_body("<p>Short and sweet.</p>", 3000)
    assert same == ("Short and sweet.", "<p>Short and sweet.</p>", None)


def test_imported_solved_threads_get_their_knowledge_items(app, runner, web, tmp_path):
    output = _import(runner, write_dump(tmp_path / "beer", "new"))
    assert "knowledge items: 1" in output
    thread = _thread("10")
    [item] = db.session.scalars(select(KnowledgeItem)).all()
    question = db.session.get(Post, thread.question_post_id)
    answer = db.session.get(Post, thread.accepted_answer_id)
    assert (item.thread_id, item.title, item.status, item.version) == (
        thread.id, thread.title, "published", 1)
    assert (item.problem_html, item.solution_html) == (question.body_html, answer.body_html)
    assert item.accepted_post_id == answer.id and item.asker_id == thread.author_id
    assert item.tags == ["ale", "beer"] and item.category == "Beer Stack Exchange"
    names = dict(db.session.execute(select(User.id, User.username)).all())
    assert item.contributors == [names[thread.author_id], names[answer.author_id]]
    [version] = db.session.scalars(select(KnowledgeVersion)).all()
    assert (version.item_id, version.version, version.reason) == (item.id, 1, "imported")
    assert web.get(f"/kb/{item.id}-{item.slug}").status_code == 200
    # An archive is not news for the CRM: no knowledge.* events, no outbox rows.
    assert not db.session.scalar(select(func.count()).select_from(DomainEvent)
                                 .where(DomainEvent.type.like("knowledge.%")))
    assert not db.session.scalar(select(func.count()).select_from(OutboxRow)
                                 .where(OutboxRow.kind.like("knowledge.%")))
    _import(runner, tmp_path / "beer")  # a second run adds no second item
    assert db.session.scalar(select(func.count()).select_from(KnowledgeItem)) == 1


def test_knowledge_backfill_gives_earlier_imports_their_items(app, runner, tmp_path):
    _import(runner, write_dump(tmp_path / "beer"))
    db.session.execute(KnowledgeVersion.__table__.delete())  # as imports before this change left it
    db.session.execute(KnowledgeItem.__table__.delete())
    db.session.commit()
    result = runner.invoke(args=["knowledge", "backfill"])
    assert result.exit_code == 0 and "1 knowledge items made" in result.output
    [item] = db.session.scalars(select(KnowledgeItem)).all()
    assert item.thread_id == _thread("10").id
    assert "0 knowledge items made" in runner.invoke(args=["knowledge", "backfill"]).output
