"""A thread page's per-post controls, worked out once per post in Python: each policy asked once,
each link made from a pattern built once per render, the vote buttons' opening tags (with the
variants a shared rendering keeps, overlay.VOTES) written here. The template prints them
without calling macros, policies or url_for per post, which was most of a long thread's render.
"""
from dataclasses import dataclass

from flask import url_for
from markupsafe import Markup

from app.web import overlay
from community import policies
from community.validation import USERNAME
from reputation.ranks import marks, rank_for

_ID = 987654321  # stands for a post id while a link pattern is built


@dataclass(slots=True)
class Controls:
    vote_url: str | None  # None: the reader may not vote on this post (its score only)
    up_tag: Markup        # the vote buttons' opening tags (a choice when shared)
    down_tag: Markup
    unlock: str           # what the reader cannot do here yet and the reputation it needs
    edit_url: str | None
    delete_url: str | None
    restore_url: str | None
    flag_url: str | None
    revisions_url: str | None
    profile_url: str
    rank: str
    marks: list
    official: bool


def for_page(viewer, page, my_votes: dict, shared: bool, flagging: bool) -> dict[int, Controls]:
    """Every post's controls for `viewer` (`shared`: the rendering is kept for every reader with
    their rights, so each vote button holds its variants and the reader's vote picks one)."""
    thread = page.thread
    link = {name: _pattern(endpoint) for name, endpoint in (
        ("vote", "web.vote"), ("edit", "web.edit_post"), ("delete", "web.delete_post"),
        ("restore", "web.restore_post"), ("flag", "web.flag_page"),
        ("revisions", "web.revisions"))}
    profile = _profile_pattern()
    profiles, ranks = {}, {}
    found = {}
    for post in (page.question, *page.answers):
        author = post.author
        if author.id not in profiles:
            profiles[author.id] = profile(author.id, author.username)
            ranks[author.id] = (rank_for(author.reputation), marks(author),
                                policies.is_official(author))
        rank, shown_marks, official = ranks[author.id]
        may_vote = policies.can_vote(viewer, post, thread, 0)
        up = policies.can_vote(viewer, post, thread, 1) if may_vote else None
        down = policies.can_vote(viewer, post, thread, -1) if may_vote else None
        mine = my_votes.get(post.id)
        found[post.id] = Controls(
            vote_url=link["vote"](post.id) if may_vote else None,
            up_tag=_vote_tags(post.id, 1, mine, up, shared) if may_vote else Markup(""),
            down_tag=_vote_tags(post.id, -1, mine, down, shared) if may_vote else Markup(""),
            unlock=" ".join(d.reason for d in (up, down) if d is not None and not d),
            edit_url=link["edit"](post.id)
            if policies.can_edit_post(viewer, post, thread) else None,
            delete_url=link["delete"](post.id)
            if policies.can_delete_post(viewer, post, thread) else None,
            restore_url=link["restore"](post.id)
            if policies.can_restore_post(viewer, post, thread) else None,
            flag_url=link["flag"](post.id) if flagging and not post.is_deleted and
            policies.can_flag(viewer, post, thread) else None,
            revisions_url=link["revisions"](post.id) if post.revision_count > 1 else None,
            profile_url=profiles[author.id], rank=rank, marks=shown_marks, official=official)
    return found


def _pattern(endpoint: str):
    """A function from a post id to the endpoint's link, from one url_for call."""
    head, tail = url_for(endpoint, post_id=_ID).split(str(_ID), 1)
    return lambda post_id: f"{head}{int(post_id)}{tail}"


def _profile_pattern():
    """A function from (user id, username) to their profile link, from one url_for call; a
    name that is not plain URL-safe letters (an imported one) gets url_for's own quoting."""
    name = "cpname"
    head, rest = url_for("web.profile", user_id=_ID, username=name).split(str(_ID), 1)
    middle, tail = rest.split(name, 1)

    def link(user_id: int, username: str) -> str:
        if USERNAME.match(username):
            return f"{head}{int(user_id)}{middle}{username}{tail}"
        return url_for("web.profile", user_id=user_id, username=username)
    return link


def _vote_tags(post_id: int, value: int, mine, allowed, shared: bool) -> Markup:
    if not shared:
        return _vote_tag(post_id, value, mine, allowed)
    variants = [_vote_tag(post_id, value, vote, allowed) for vote in overlay.VOTES]
    return Markup(overlay.choice(f"v{post_id}") + overlay.choice().join(variants)
                  + overlay.choice(end=True))


def _vote_tag(post_id: int, value: int, mine, allowed) -> Markup:
    """One opening tag (integers and fixed words only: nothing here needs escaping)."""
    pressed = mine == value
    blocked = "" if allowed or pressed else f' disabled aria-describedby="unlock-{int(post_id)}"'
    return Markup(f'<button type="submit" name="value" value="{0 if pressed else value}" '
                  f'aria-pressed="{"true" if pressed else "false"}" '
                  f'title="{"Useful" if value == 1 else "Not useful"}"{blocked}>')
