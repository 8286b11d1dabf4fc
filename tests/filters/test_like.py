"""LIKE as its definition says, in time linear in the text, with Spark SQL's escapes."""

import itertools
import operator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filters.evaluate import evaluate
from filters.kinds import compile_rule
from filters.nodes import RuleError
from tests.helpers.rule_columns import KINDS


def like_reference(pattern: str, text: str) -> bool:
    """LIKE by its definition, a table of which pattern prefixes match which text prefixes: no regular expression."""
    items, chars = [], iter(pattern)
    for char in chars:
        items.append(("literal", next(chars)) if char == "\\" else ("any",) if char == "%" else
                     ("one",) if char == "_" else ("literal", char))
    matched = [True] + [False] * len(text)  # pattern prefix so far against each text prefix
    for item in items:
        if item == ("any",):
            matched = list(itertools.accumulate(matched, operator.or_))
        else:
            matched = [False] + [matched[i] and (item == ("one",) or text[i] == item[1]) for i in range(len(text))]
    return matched[-1]


def like(pattern: str, text: str | None) -> bool | None:
    quoted = pattern.replace("'", "''")
    return evaluate(compile_rule(f"t LIKE '{quoted}'", {"t"}), {"t": text})


PATTERN_PARTS = ["a", "b", "ab", "%", "%", "_", "\\%", "\\_", "\\\\", ".", "*", "(", "'", "\n", "😀", "é"]
TEXTS = st.text("ab%_\\.*('\n😀é", max_size=6)


def instance(parts: list[str], data) -> str:
    """A text the pattern of these parts matches: each wildcard drawn, each literal as itself."""
    return "".join(data.draw(TEXTS) if part == "%" else data.draw(st.sampled_from("ab%_😀\n")) if part == "_"
                   else part.removeprefix("\\") for part in parts)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PATTERN_PARTS), max_size=8), st.data())
def test_like_is_what_its_definition_says(parts, data):
    pattern = "".join(parts)
    # a text drawn from the pattern, then one cut, extended or changed, so that as many match as do not
    text = data.draw(st.one_of(TEXTS, st.builds(str.__add__, st.just(instance(parts, data)), TEXTS)))
    if data.draw(st.booleans()) and text:
        cut = data.draw(st.integers(0, len(text) - 1))
        text = text[:cut] + text[cut + 1:]
    assert like(pattern, text) is like_reference(pattern, text)
    assert like(pattern, instance(parts, data)) is True
    assert like(pattern, None) is None


def test_like_on_a_long_hostile_text_is_decided_by_the_leftmost_matches():
    page = "lorem " * 20_000  # 120,000 characters: Spark's own LIKE backtracked for seconds on it (issue 15)
    assert like("%lorem%ipsum%dolor%", page) is False
    assert like("%lorem%ipsum%dolor%", page + "ipsum dolor") is True
    assert like("lorem%_orem %", page) is True and like("%m _", page) is False


@pytest.mark.parametrize(("pattern", "refused"), [
    ("C:\\temp%", "LIKE pattern 'C:\\\\temp%': a backslash escapes only %, _ or a backslash"),
    ("100\\", "a backslash escapes only %, _ or a backslash (write \\\\ for a backslash itself) at position 8"),
])
def test_a_backslash_before_anything_but_a_wildcard_or_itself_is_refused(pattern, refused):
    with pytest.raises(RuleError) as caught:
        like(pattern, "x")
    assert refused in str(caught.value)


def test_a_like_pattern_is_a_quoted_string():
    with pytest.raises(RuleError, match="LIKE takes a quoted pattern at position 15 .found 'url'."):
        compile_rule("language LIKE url", KINDS)
