"""The ceiling: a bare Flask app whose one view renders a Jinja template of static text as long
as the real thread page (no database, no extensions); served by gunicorn like the real app.
"""
import os
from pathlib import Path

from flask import Flask, render_template

TEMPLATE = "ceiling.html"
# The folder holding ceiling.html; bench/pages.py writes it before starting this app.
app = Flask(__name__, template_folder=os.environ.get("BENCH_CEILING_DIR", "."))


@app.get("/")
def page():
    return render_template(TEMPLATE)


def write_template(folder: Path, html: bytes) -> Path:
    """Write ceiling.html so that rendering it yields exactly `html`, byte for byte."""
    text = html.decode("utf-8")
    if "{% endraw %}" in text:
        raise ValueError("the page contains '{% endraw %}' and cannot be wrapped verbatim")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / TEMPLATE
    path.write_bytes(("{% raw %}" + text + "{% endraw %}").encode("utf-8"))
    return path
