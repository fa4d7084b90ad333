"""`flask knowledge export`: json, markdown and html files, one per visible item plus an index;
HTML files run no script."""
import json

from community import services
from community.knowledge import item_for_thread
from tests import factories


def _solved(title):
    asker = factories.user()
    thread = factories.thread(asker, title=title,
                              body="Steps: <script>alert(1)</script> then **go**.")
    answer = factories.answer(thread, body='Try <img src=x onerror="alert(2)"> and *this*.')
    services.accept_answer(asker, thread.id, answer.id)
    return item_for_thread(thread.id)


def test_export_writes_three_formats(runner, app, tmp_path):
    item = _solved("Why does <b>export</b> break?")
    retired = _solved("This one was withdrawn later")
    services.accept_answer(factories.user("moderator"), retired.thread_id, None)
    for fmt, ext in (("json", "json"), ("markdown", "md"), ("html", "html")):
        target = tmp_path / fmt
        result = runner.invoke(args=["knowledge", "export", "--format", fmt, str(target)])
        assert result.exit_code == 0, result.output
        assert "wrote 1 knowledge items" in result.output
        index = json.loads((target / "index.json").read_text())
        assert [e["id"] for e in index] == [item.id]
        text = (target / f"{item.id}.{ext}").read_text()
        assert "<script>alert" not in text and "<img" not in text  # text, never markup
    doc = json.loads((tmp_path / "json" / f"{item.id}.json").read_text())
    assert doc["title"] == "Why does <b>export</b> break?" and doc["version"] == 1
    md = (tmp_path / "markdown" / f"{item.id}.md").read_text()
    assert md.startswith("---\nid: ") and "# Why does &lt;b&gt;export&lt;/b&gt; break?" in md
    page = (tmp_path / "html" / f"{item.id}.html").read_text()
    assert "<title>Why does &lt;b&gt;export&lt;/b&gt; break?</title>" in page
    assert '"@type": "Article"' in page or '"@type":"Article"' in page
