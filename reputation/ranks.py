"""Ranks: a name for how much reputation someone has earned."""

RANKS = ((5000, "Guru"), (1000, "Expert"), (200, "Regular"), (50, "Contributor"), (1, "Newcomer"))


def rank_for(reputation: int) -> str:
    for threshold, name in RANKS:
        if reputation >= threshold:
            return name
    return RANKS[-1][1]
