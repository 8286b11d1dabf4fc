"""Suggestions for a mistyped name: ' (did you mean X?)'."""

import difflib


def closest(name: str, known, cutoff: float = 0.6) -> str:
    """' (did you mean X?)' for a known name that differs only in case, else the nearest by difflib, or ''."""
    known = list(known)
    match = [item for item in known if item.lower() == name.lower()] or difflib.get_close_matches(
        name, known, n=1, cutoff=cutoff)
    return f" (did you mean {match[0]!r}?)" if match else ""
