"""What messages show: lists cut to their first few items, paths as the user typed them."""

import os
from collections.abc import Sequence

from pipeline.storage.locations import is_local, local_path


def shown(items: Sequence[str], limit: int = 3) -> str:
    """`a, b, c and 7 more`: a message names a few, never thousands."""
    head = ", ".join(items[:limit])
    return f"{head} and {len(items) - limit} more" if len(items) > limit else head


def shown_path(path: str) -> str:
    """A path as every command prints it: relative to the current folder when inside it, else as it is."""
    if not is_local(path):
        return path
    relative = os.path.relpath(local_path(path))
    return path if relative.startswith(os.pardir) else relative
