"""SQL's LIKE: a pattern's pieces between `%`, checked as the rule is parsed, and the whole pattern as one regular
expression for the evaluator and for Spark."""

import string

from filters.nodes import RuleError


def like_regex(pattern: str) -> str:
    """A LIKE pattern as a regular expression that Python's `re` and Java's (Spark's `rlike`) read alike, matched
    in time linear in the text (times the pattern's length).

    The pieces between `%` are found greedily left to right, each from the end of the one before: the leftmost
    match of each piece leaves the most text to the pieces after it, so this decides LIKE exactly. Each search is
    an atomic group, which is never re-entered: a plain `.*a.*b.*c` (Spark's own LIKE) backtracks through every
    combination of positions (issue 15; the time it took is in docs/benchmarks.md). The first piece is
    anchored at the start (`\\A`), the last at the end (`(?!.)`: `$` and `\\Z` differ between the two)."""
    first, *rest = like_pieces(pattern)
    if not rest:
        return rf"(?s)\A{first}(?!.)"
    *middle, last = rest
    found = "".join(f"(?>.*?{piece})" for piece in middle if piece)
    return rf"(?s)\A{first}{found}" + (f".*{last}(?!.)" if last else "")


def like_pieces(pattern: str) -> list[str]:
    """The regular expressions of the pattern's pieces between `%`: `_` any one character, a backslash before `%`,
    `_` or a backslash that character itself (as in Spark SQL); RuleError for a backslash before anything else."""
    pieces, piece, chars = [], "", iter(pattern)
    for char in chars:
        if char == "%":
            pieces.append(piece)
            piece = ""
        elif char == "_":
            piece += "."
        elif char == "\\":
            escaped = next(chars, "")
            if escaped not in ("%", "_", "\\"):
                raise RuleError(f"LIKE pattern {pattern!r}: a backslash escapes only %, _ or a backslash "
                                "(write \\\\ for a backslash itself)")
            piece += _literal(escaped)
        else:
            piece += _literal(char)
    return [*pieces, piece]


def _literal(char: str) -> str:
    """One character as a regular expression: ASCII punctuation escaped (literal so in Python and Java alike),
    anything else as itself."""
    return "\\" + char if char in string.punctuation else char
