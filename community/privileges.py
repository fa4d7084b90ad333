"""Privileges earned by reputation (numbers in config: REPUTATION_PRIVILEGES, or the preset an
administrator chose), and the rights key readers who may do the same things share; asked
through community.policies like every other rule."""
from flask import current_app

from community.policies import ALLOW, Decision, deny


PRIVILEGES = {"vote_up": "Voting up", "vote_down": "Voting down", "flag": "Flagging posts",
              "edit_others": "Editing other people's posts",
              "close": "Closing and marking duplicates"}


def privilege_threshold(name: str) -> int:
    """The configured number, unless an administrator chose a preset on /staff/settings."""
    if current_app.config.get("REPUTATION_PRESETS"):
        from community.settings import stored
        return thresholds(stored().get("REPUTATION_PRESET"))[name]
    return current_app.config["REPUTATION_PRIVILEGES"][name]


def thresholds(preset: str | None, config=None) -> dict[str, int]:
    """Every privilege's number under the stored preset's name (None: the configured ones), in
    `config` (the current app's unless given)."""
    config = config if config is not None else current_app.config
    chosen = (config.get("REPUTATION_PRESETS") or {}).get(preset)
    return chosen or config["REPUTATION_PRIVILEGES"]


def rights_key(role: str, reputation: int, is_super_user: bool, silenced: bool,
               preset: str | None, config=None) -> tuple:
    """What a reader's controls depend on besides who they are: readers with one key see the
    same controls on every post that is not theirs, so they can share one rendering of a page."""
    numbers = thresholds(preset, config)
    return (role, is_super_user, silenced, tuple(reputation >= numbers[n] for n in PRIVILEGES))


def privilege(user, name: str) -> Decision:
    """Staff bypass every privilege; members need the configured reputation."""
    if user.is_staff:
        return ALLOW
    needed = privilege_threshold(name)
    if user.reputation >= needed:
        return ALLOW
    return deny(f"{PRIVILEGES[name]} unlocks at {needed} reputation.")
