"""How a message names things: a few of a list, never thousands."""

from collections.abc import Sequence


def shown(items: Sequence[str], limit: int = 3) -> str:
    """`a, b, c and 7 more`: a message names a few, never thousands."""
    head = ", ".join(items[:limit])
    return f"{head} and {len(items) - limit} more" if len(items) > limit else head
