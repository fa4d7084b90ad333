"""`flask knowledge export --format json|markdown|html DIR`: the public knowledge base as files
(one per item plus an index), for a help centre or a CRM import. Bodies are nh3-sanitised again
on the way out, so a file opened in a browser runs no script."""
import json
import re
from pathlib import Path

import click
import nh3
from flask import render_template
from flask.cli import AppGroup

from community import knowledge, knowledge_queries as kq
from community.jsonld import article_document
from community.models import ANONYMOUS

knowledge_cli = AppGroup("knowledge", help="The knowledge base.")
EXTENSIONS = {"json": "json", "markdown": "md", "html": "html"}
BATCH = 200


def _items():
    """Every item a reader may see, a batch at a time."""
    offset = 0
    while batch := kq.list_items(ANONYMOUS, offset=offset, limit=BATCH):
        yield from batch
        offset += len(batch)


def _clean(doc: dict) -> dict:
    return {**doc, "problem_html": nh3.clean(doc["problem_html"]),
            "solution_html": nh3.clean(doc["solution_html"])}


def _markdown(doc: dict) -> str:
    meta = {k: doc[k] for k in ("id", "title", "version", "status", "category", "tags",
                                "contributors", "source_url", "updated_at")}
    front = "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in meta.items())
    return (f"---\n{front}\n---\n\n# {_md_text(doc['title'])}\n\n## Problem\n\n"
            f"{doc['problem_html']}\n\n## Solution\n\n{doc['solution_html']}\n\n"
            f"[The original question]({doc['source_url']})\n")


def _md_text(text: str) -> str:
    """A title as Markdown text: its markup characters escaped, HTML brackets as entities."""
    text = re.sub(r"([\\`*_{}\[\]()#+\-.!|])", r"\\\1", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _write(doc: dict, fmt: str, target: Path) -> str:
    name = f"{doc['id']}.{EXTENSIONS[fmt]}"
    if fmt == "json":
        body = json.dumps(doc, ensure_ascii=False, indent=2)
    elif fmt == "markdown":
        body = _markdown(doc)
    else:
        body = render_template("knowledge/export.html", doc=doc, jsonld=article_document(doc))
    (target / name).write_text(body, encoding="utf-8")
    return name


@knowledge_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(list(EXTENSIONS)), default="json",
              show_default=True)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def export(fmt, directory):
    """Write every published or stale item to DIRECTORY, one file each, plus an index."""
    directory.mkdir(parents=True, exist_ok=True)
    index = []
    for item in _items():
        doc = _clean(kq.document(item))
        index.append({"id": doc["id"], "title": doc["title"], "version": doc["version"],
                      "status": doc["status"], "file": _write(doc, fmt, directory)})
    (directory / "index.json").write_text(json.dumps(index, ensure_ascii=False, indent=2),
                                          encoding="utf-8")
    click.echo(f"wrote {len(index)} knowledge items as {fmt} to {directory}")


@knowledge_cli.command("backfill")
def backfill():
    """Give every solved thread without a knowledge item its item (imports before they made
    them), in batches; no knowledge.* events."""
    made, after = 0, 0
    while after is not None:
        count, after = knowledge.backfill(after)
        made += count
    click.echo(f"{made} knowledge items made")
