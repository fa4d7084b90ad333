"""What search engines and browsers ask of every site: /sitemap.xml (every public thread and
knowledge item; past SITEMAP_PAGE_SIZE URLs an index of numbered pages), /robots.txt, the
favicon."""
import math

from flask import Response, abort, current_app, send_from_directory, url_for
from markupsafe import escape

from app.web import bp
from community import public_pages

PAGE_SIZE = 50_000  # the sitemap protocol's limit per file
KINDS = {"threads": (public_pages.thread_count, public_pages.threads, "web.thread"),
         "kb": (public_pages.item_count, public_pages.items, "web.kb_item")}
XMLNS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def _page_size() -> int:
    return current_app.config.get("SITEMAP_PAGE_SIZE", PAGE_SIZE)


def _xml(body: str) -> Response:
    return Response('<?xml version="1.0" encoding="UTF-8"?>\n' + body,
                    content_type="application/xml; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=3600"})


@bp.get("/sitemap.xml")
def sitemap():
    size = _page_size()
    counts = {kind: count() for kind, (count, _, _) in KINDS.items()}
    if sum(counts.values()) <= size:  # everything fits in one file
        return _xml(_urlset([row for kind in KINDS for row in _urls(kind, 0, size)]))
    maps = [url_for("web.sitemap_page", kind=kind, number=n, _external=True)
            for kind, count in counts.items() for n in range(1, math.ceil(count / size) + 1)]
    return _xml(f"<sitemapindex {XMLNS}>\n" +
                "".join(f"<sitemap><loc>{escape(loc)}</loc></sitemap>\n" for loc in maps) +
                "</sitemapindex>\n")


@bp.get("/sitemap-<kind>-<int:number>.xml")
def sitemap_page(kind, number):
    if kind not in KINDS or number < 1:
        abort(404)
    size = _page_size()
    rows = _urls(kind, (number - 1) * size, size)
    if not rows and number > 1:
        abort(404)
    return _xml(_urlset(rows))


def _urls(kind: str, offset: int, limit: int) -> list[tuple[str, str]]:
    _, rows, endpoint = KINDS[kind]
    id_arg = "thread_id" if kind == "threads" else "item_id"
    return [(url_for(endpoint, **{id_arg: row.id, "slug": row.slug}, _external=True),
             row[2].strftime("%Y-%m-%d") if row[2] else "") for row in rows(offset, limit)]


def _urlset(rows) -> str:
    lines = "".join(f"<url><loc>{escape(loc)}</loc>" +
                    (f"<lastmod>{day}</lastmod>" if day else "") + "</url>\n" for loc, day in rows)
    return f"<urlset {XMLNS}>\n{lines}</urlset>\n"


@bp.get("/robots.txt")
def robots():
    lines = ["User-agent: *", "Disallow: /api/", "Disallow: /staff/", "Disallow: /search",
             "Disallow: /settings", "Disallow: /ask", "",
             f"Sitemap: {url_for('web.sitemap', _external=True)}", ""]
    return Response("\n".join(lines), content_type="text/plain; charset=utf-8")


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(current_app.static_folder, "favicon.svg",
                               mimetype="image/svg+xml", max_age=86400)
