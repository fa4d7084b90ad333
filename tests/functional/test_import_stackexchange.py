"""`flask import stackexchange DIR` on small dumps written here (old, new and partial schema):
what lands in the community, what is skipped, credit, sanitising, idempotency and the ledger."""
import pytest
from sqlalchemy import func, select

from app.cli_import import after_import_hooks
from app.importers.stackexchange import import_dump, read_site
from community.models import ImportSource, Post, Tag, Thread, ThreadLink, User
from core.database import db
from reputation.models import ReputationEvent
from tests.functional._html_checks import dangers
from tests.functional._se_dumps import write_dump, write_xml, posts

TABLES = (User, Thread, Post, Tag, ThreadLink, ReputationEvent, ImportSource)


def _counts() -> dict:
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in TABLES}


def _thread(external_id: str, site: str = "beer") -> Thread:
    local = db.session.scalar(select(ImportSource.local_id).where(
        ImportSource.site == site, ImportSource.kind == "thread",
        ImportSource.external_id == external_id))
    return db.session.get(Thread, local)


def _import(runner, directory, *args):
    result = runner.invoke(args=["import", "stackexchange", str(directory), *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("schema", ["old", "new"])
def test_a_dump_becomes_threads_answers_tags_and_links(app, runner, tmp_path, schema):
    output = _import(runner, write_dump(tmp_path / "beer", schema))
    assert "threads imported: 4" in output and "answers imported: 3" in output
    assert "skipped: answer whose question is absent: 1" in output
    assert "skipped: accepted answer absent from the dump: 1" in output
    assert "skipped: question without a title: 1" in output
    assert "skipped: tag that breaks the tag rules: 2" in output
    assert "skipped: other post types (tag wikis, excerpts, ...): 2" in output
    counts = _counts()
    assert counts["users"] == 5 + 2  # five accounts and two placeholder authors
    assert counts["threads"] == 4 and counts["posts"] == 4 + 3
    assert sorted(db.session.scalars(select(Tag.name))) == ["ale", "beer", "mead", "ok-tag"]
    ale = _thread("10")
    assert (ale.score, ale.view_count, ale.status, ale.answer_count) == (7, 42, "solved", 2)
    accepted = db.session.get(Post, ale.accepted_answer_id)
    assert accepted.is_accepted and accepted.score == 9
    assert _thread("16").status == "open"  # its AcceptedAnswerId names no post of the dump
    links = db.session.execute(select(ThreadLink.thread_id, ThreadLink.target_id,
                                      ThreadLink.kind, ThreadLink.created_by_id)).all()
    assert links == [(_thread("14").id, ale.id, "duplicate", None)]
    assert ale.source_license == ("CC BY-SA 4.0" if schema == "new" else "CC BY-SA 3.0")


def test_imported_users_get_safe_unique_accounts_and_exact_ledger(app, runner, tmp_path):
    _import(runner, write_dump(tmp_path / "beer"))
    users = {u.email: u for u in db.session.scalars(select(User))}
    ann, ann2 = users["se-beer-5@import.invalid"], users["se-beer-6@import.invalid"]
    assert ann.username == "ann-example" and ann2.username == "ann-example-se6"
    assert users["se-beer-8@import.invalid"].username == "se-user"  # "x" is too short
    assert "<" not in users["se-beer-7@import.invalid"].username
    assert (ann.reputation, ann2.reputation) == (101, 11)
    assert runner.invoke(args=["users", "create", "ann-example", "ann@example.com",
                               "--password", "long-password"]).exit_code == 0
    for user in users.values():
        ledger = db.session.scalar(select(func.coalesce(func.sum(ReputationEvent.delta), 0))
                                   .where(ReputationEvent.user_id == user.id))
        assert user.reputation == 1 + ledger, user.username
    rows = db.session.execute(select(ReputationEvent.reason, ReputationEvent.source,
                                     ReputationEvent.capped)
                              .where(ReputationEvent.user_id == ann.id)).all()
    assert rows == [("imported", "import:beer:5", False)]


def test_imported_users_cannot_sign_in(app, client, runner, tmp_path):
    _import(runner, write_dump(tmp_path / "beer"))
    for password in ("", "!imported", "password123"):
        response = client.post("/api/v1/auth/token",
                               json={"email": "se-beer-5@import.invalid", "password": password})
        assert response.status_code in (401, 422)


def test_absent_authors_become_placeholders(app, runner, tmp_path):
    output = _import(runner, write_dump(tmp_path / "beer", "partial"))
    assert "no Users.xml: authors are placeholders" in output
    names = sorted(db.session.scalars(select(User.username)))
    assert names == ["gone-person", "stack-exchange-user"]
    ale = _thread("10")
    assert ale.author_id == db.session.scalar(select(User.id).where(
        User.username == "stack-exchange-user"))
    assert ale.source_author is None
    assert ale.source_author_url == "https://beer.stackexchange.com/users/5"
    assert _thread("13").source_author == "Gone Person"
    assert db.session.scalar(select(func.count()).select_from(ThreadLink)) == 1
    assert db.session.scalar(select(func.count()).select_from(ReputationEvent)) == 0


def test_the_thread_page_and_api_credit_the_source(app, client, runner, tmp_path):
    _import(runner, write_dump(tmp_path / "beer", "new"))
    ale = _thread("10")
    page = client.get(f"/t/{ale.id}/{ale.slug}").get_data(as_text=True)
    assert 'href="https://beer.stackexchange.com/q/10"' in page
    assert 'href="https://beer.stackexchange.com/users/5"' in page and "Ann Example" in page
    assert 'href="https://creativecommons.org/licenses/by-sa/4.0/"' in page
    source = client.get(f"/api/v1/threads/{ale.id}").json["source"]
    assert source == {"site": "Beer Stack Exchange", "url": "https://beer.stackexchange.com/q/10",
                      "author": "Ann Example", "author_url": "https://beer.stackexchange.com/users/5",
                      "license": "CC BY-SA 4.0",
                      "license_url": "https://creativecommons.org/licenses/by-sa/4.0/"}
    listed = client.get("/api/v1/threads?category=beer").json["items"]
    assert {t["source"]["url"] for t in listed} >= {"https://beer.stackexchange.com/q/10"}


def test_hostile_bodies_and_names_never_run_script(app, client, runner, tmp_path):
    _import(runner, write_dump(tmp_path / "beer"))
    ale = _thread("10")
    question = db.session.get(Post, ale.question_post_id)
    assert dangers(question.body_html) == []
    assert "<strong>pale</strong>" in question.body_html
    assert "**pale**" in question.body and "<script" not in question.body_html
    page = client.get(f"/t/{ale.id}/{ale.slug}").get_data(as_text=True)
    assert "alert('xss')" not in page and "onerror" not in page and "<script>alert" not in page
    answer = db.session.scalar(select(Post).where(Post.thread_id == ale.id, Post.score == 2))
    assert "```\nboil 60 min" in answer.body and "`more hops`" in answer.body


def test_running_again_creates_and_changes_nothing(app, runner, tmp_path):
    dump = write_dump(tmp_path / "beer")
    _import(runner, dump)
    before = _counts()
    threads = db.session.execute(select(Thread.id, Thread.score, Thread.status,
                                        Thread.answer_count, Thread.version)).all()
    output = _import(runner, dump)
    db.session.expire_all()
    assert _counts() == before
    assert db.session.execute(select(Thread.id, Thread.score, Thread.status,
                                     Thread.answer_count, Thread.version)).all() == threads
    assert "threads imported" not in output and "questions already imported: 4" in output


def test_an_interrupted_import_completes_when_run_again(app, runner, tmp_path):
    dump = write_dump(tmp_path / "beer")
    whole = (dump / "Posts.xml").read_bytes()
    (dump / "Posts.xml").write_bytes(whole[:whole.index(b'Id="16"')])  # cut mid-file
    result = runner.invoke(args=["import", "stackexchange", str(dump), "--batch-size", "2"])
    assert result.exit_code == 1 and "not well-formed XML" in result.output
    partly = db.session.scalar(select(func.count()).select_from(Thread))
    assert 0 < partly < 4
    (dump / "Posts.xml").write_bytes(whole)
    _import(runner, dump, "--batch-size", "2")
    counts = _counts()
    assert (counts["threads"], counts["posts"], counts["thread_links"]) == (4, 7, 1)
    assert _thread("10").status == "solved"


def test_site_name_comes_from_source_md_options_or_folder(tmp_path):
    dump = write_dump(tmp_path / "bicycles_meta")
    site = read_site(dump)
    assert (site.key, site.url) == ("bicycles-meta", "https://bicycles.meta.stackexchange.com")
    (dump / "SOURCE.md").write_text("Beer Stack Exchange (beer.stackexchange.com) dump, 2016.\n")
    assert read_site(dump).name == "Beer Stack Exchange"
    site = read_site(dump, "Cooking", "https://cooking.stackexchange.com/")
    assert (site.key, site.name, site.url) == ("cooking", "Cooking",
                                               "https://cooking.stackexchange.com")
    with pytest.raises(ValueError):
        read_site(dump, url="javascript:alert(1)")


def test_a_folder_without_posts_is_a_clear_error(app, runner, tmp_path):
    (tmp_path / "empty").mkdir()
    result = runner.invoke(args=["import", "stackexchange", str(tmp_path / "empty")])
    assert result.exit_code == 1 and "Posts.xml is missing" in result.output


def test_absurd_rows_are_skipped_never_a_crash(app, runner, tmp_path):
    dump = tmp_path / "beer"
    dump.mkdir()
    rows = posts() + [
        {"Id": "99999999999999", "PostTypeId": "1", "Title": "Id too large for the database"},
        {"Id": "30", "PostTypeId": "1", "Title": "Tags gone mad " * 40, "Score": "1e99",
         "Tags": "<a>" * 10_000, "CreationDate": "yesterday", "Body": "<" * 5000},
        {"Id": "31", "PostTypeId": "2", "Body": "<p>no parent</p>"},
        {"Id": "10", "PostTypeId": "1", "Title": "The same id again, a second time"},
    ]
    write_xml(dump / "Posts.xml", "posts", rows)
    output = _import(runner, dump)
    assert "skipped: post without a valid Id: 2" in output
    assert "skipped: question repeating an id in the dump: 1" in output
    mad = _thread("30")
    assert len(mad.title) == 200 and mad.score == 0
    assert [t.name for t in db.session.scalars(select(Tag).where(Tag.name == "a"))] == ["a"]


def test_after_import_hooks_get_the_new_threads(app, runner, tmp_path):
    seen = []
    hooks = after_import_hooks(app)
    assert hooks[0].__name__ == "rebuild_search"
    hooks.append(seen.append)
    try:
        _import(runner, write_dump(tmp_path / "beer"))
        _import(runner, write_dump(tmp_path / "beer"), "--no-index")
    finally:
        hooks.remove(seen.append)
    assert len(seen) == 1 and sorted(seen[0].thread_ids) == sorted(
        db.session.scalars(select(Thread.id)))


def test_imported_content_is_searchable_once_search_is_there(app, client, runner, tmp_path):
    pytest.importorskip("search.rebuild", reason="search.rebuild arrives with helper/search")
    output = _import(runner, write_dump(tmp_path / "beer"))
    assert "lexical search is ready" in output
    items = client.get("/api/v1/search", query_string={"q": "pale ale"}).json["items"]
    assert _thread("10").id in {item["thread_id"] for item in items}


def test_posts_read_in_a_child_process_import_the_same(app, tmp_path):
    from xml.etree.ElementTree import ParseError
    dump = write_dump(tmp_path / "beer")
    whole = (dump / "Posts.xml").read_bytes()
    (dump / "Posts.xml").write_bytes(whole[:whole.index(b'Id="16"')])
    with pytest.raises(ParseError):  # raised here, after the batches read before it
        import_dump(dump, batch=2, parallel=True)
    assert db.session.scalar(select(func.count()).select_from(Thread)) > 0
    (dump / "Posts.xml").write_bytes(whole)
    counts = import_dump(dump, batch=2, parallel=True).counts
    assert _counts()["threads"] == 4 and _counts()["posts"] == 7
    assert counts["skipped: answer whose question is absent"] == 1
