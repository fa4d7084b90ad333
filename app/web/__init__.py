"""Web pages for people: browsing, asking, answering, voting, accepting; no JS needed."""
from flask import Blueprint

from community import policies

bp = Blueprint("web", __name__)


def init_app(app) -> None:
    from app.web import actions, page_cache, pages, staff  # noqa: F401  (register routes)
    from app.web import reputation  # noqa: F401
    from app.web import crm_staff, knowledge  # noqa: F401
    from app.web import cases  # noqa: F401
    from app.web import search  # noqa: F401
    from app.web import moderation, site_admin  # noqa: F401
    from app.web import crawlers, helpful  # noqa: F401
    app.register_blueprint(bp)
    page_cache.connect()
    from app.web.front_cache import FrontCache
    app.wsgi_app = FrontCache(app.wsgi_app, app)

    from app.web.jsonld import qa_jsonld
    from app.web.submissions import new_token
    from app.web.reputation import locked_privileges
    from app.web.moderation import review_count
    from reputation.ranks import marks, rank_for

    from community.home_queries import excerpt
    app.add_template_filter(excerpt, "excerpt")
    from app.web import overlay
    app.jinja_env.globals.update(avatar_svg=overlay.avatar_svg, reader_part=overlay.reader_part,
                                 choice=overlay.choice)

    @app.context_processor
    def inject_helpers():
        # Templates ask the same policy functions as views and the API.
        return {"can": policies, "qa_jsonld": qa_jsonld, "rank_for": rank_for, "user_marks": marks,
                "new_submission_token": new_token,
                "locked_privileges": locked_privileges, "review_count": review_count}
