"""The ceiling: a bare Flask app whose views render Jinja templates of static text, each as long
as one measured page of the real app (no database, no extensions); served by gunicorn like the
real app. `/` renders ceiling.html, `/<name>` renders <name>.html.
"""
import os
import re
from pathlib import Path

from flask import Flask, abort, render_template

TEMPLATE = "ceiling.html"
# The folder holding the templates; bench/pages.py writes them before starting this app.
app = Flask(__name__, template_folder=os.environ.get("BENCH_CEILING_DIR", "."))


@app.get("/")
@app.get("/<name>")
def page(name: str = "ceiling"):
    if not re.fullmatch(r"[a-z-]{1,40}", name):
        abort(404)
    return render_template(f"{name}.html")


def write_template(folder: Path, html: bytes, name: str = "ceiling") -> Path:
    """Write <name>.html so that rendering it yields exactly `html`, byte for byte."""
    text = html.decode("utf-8")
    if "{% endraw %}" in text:
        raise ValueError("the page contains '{% endraw %}' and cannot be wrapped verbatim")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.html"
    path.write_bytes(("{% raw %}" + text + "{% endraw %}").encode("utf-8"))
    return path
