"""Rule expressions: what a recipe author writes, what it keeps, and what is refused by name."""

import itertools
import operator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from filters.expressions import MAX_DEPTH, RuleError, compile_rule, depth, evaluate

COLUMNS = {"rps_doc_word_count", "rps_doc_frac_chars_top_2gram", "language", "url", "ccnet_perplexity",
           "rps_lines_num_words"}


def keeps(rule: str, **row) -> bool | None:
    values = dict.fromkeys(COLUMNS)
    values.update(row)
    return evaluate(compile_rule(rule, COLUMNS), values)


def test_comparisons_between_in_and_boolean_logic():
    assert keeps("rps_doc_word_count BETWEEN 50 AND 100000", rps_doc_word_count=50) is True
    assert keeps("rps_doc_word_count BETWEEN 50 AND 100000", rps_doc_word_count=49) is False
    assert keeps("rps_doc_word_count NOT BETWEEN 50 AND 100 OR language IN ('en', 'de')",
                 rps_doc_word_count=60, language="de") is True
    assert keeps("NOT language IN ('en') AND rps_doc_word_count * 2 + 1 > 10", language="fr",
                 rps_doc_word_count=5) is True
    assert keeps("language LIKE 'e_'", language="en") is True
    assert keeps("url NOT LIKE '%.com/%'", url="https://a.com/x") is False


def test_sql_null_semantics():
    # a rule on a null value is unknown, which a filter treats as failing, unless the rule handles null
    assert keeps("ccnet_perplexity < 500") is None
    assert keeps("ccnet_perplexity < 500 OR ccnet_perplexity IS NULL") is True
    assert keeps("coalesce(ccnet_perplexity, 0) < 500") is True
    assert keeps("NOT ccnet_perplexity < 500") is None
    assert keeps("language IN ('en', NULL)", language="fr") is None
    assert keeps("ccnet_perplexity < 500 AND rps_doc_word_count > 5", rps_doc_word_count=1) is False
    assert keeps("rps_doc_word_count / 0 > 1", rps_doc_word_count=3) is None


def test_functions_from_the_allow_list():
    assert keeps("round(rps_doc_frac_chars_top_2gram, 1) = 0.3", rps_doc_frac_chars_top_2gram=0.25) is True
    assert keeps("array_max(rps_lines_num_words) >= 10 AND size(rps_lines_num_words) = 3",
                 rps_lines_num_words=[1, 10, None]) is True
    assert keeps("array_mean(rps_lines_num_words) = 4", rps_lines_num_words=[2, 6, None]) is True
    assert keeps("greatest(rps_doc_word_count, 10) = 10 AND least(1, NULL, 3) = 1", rps_doc_word_count=3) is True
    assert keeps("ln(rps_doc_word_count) > 0", rps_doc_word_count=0) is None
    assert keeps("-rps_doc_word_count % 3 = -1", rps_doc_word_count=4) is True


@pytest.mark.parametrize(("rule", "named"), [
    ("rps_doc_wordcount > 50", "unknown column 'rps_doc_wordcount' (did you mean 'rps_doc_word_count'?)"),
    ("LANGUAGE = 'en'", "unknown column 'LANGUAGE' (did you mean 'language'?)"),
    ("reflect('java.lang.Runtime', 'getRuntime')", "function 'reflect' is not allowed"),
    ("java_method('java.lang.System', 'exit', 0) = 1", "function 'java_method' is not allowed"),
    ("my_udf(language) = 1", "function 'my_udf' is not allowed"),
    ("rps_doc_word_count IN (SELECT 1)", "subqueries are not allowed"),
    ("rps_doc_word_count > (select max(x) from t)", "subqueries are not allowed"),
    ("rps_doc_word_count > 5; DROP TABLE x", "unexpected character ';'"),
    ("round(rps_doc_word_count, 1, 2) > 1", "round() takes 1 to 2 arguments, got 3"),
    ("rps_doc_word_count >", "expected a value"),
    ("", "a rule must be a non-empty expression"),
])
def test_refused_by_name(rule, named):
    with pytest.raises(RuleError, match=None) as caught:
        compile_rule(rule, COLUMNS)
    assert named in str(caught.value)


KINDS = {"rps_doc_word_count": "number", "rps_doc_frac_chars_top_2gram": "number", "language": "string",
         "url": "string", "ccnet_perplexity": "number", "rps_lines_num_words": "list of number", "meta": "any"}


@pytest.mark.parametrize(("rule", "named"), [
    ("language > 5", "'>' mixes number and string values"),
    ("rps_doc_word_count + 'abc' > 1", "'+' needs number values, got string"),
    ("rps_doc_word_count BETWEEN 1 AND 'x'", "BETWEEN mixes number and string values"),
    ("language IN ('en', 2)", "IN mixes number and string values"),
    ("length(rps_lines_num_words) > 3", "size() counts the items of a list"),
    ("size(rps_doc_word_count) > 1", "size() needs a list column, got number"),
    ("rps_lines_num_words = 3", "cannot compare lists"),
    ("NOT rps_doc_word_count", "NOT needs boolean values, got number"),
    ("rps_doc_word_count", "a rule must be a true/false test"),
    ("lower(language)", "this one gives a string value"),
    ("rps_doc_word_count = NULL", "'=' with NULL is never true (SQL): test nulls with `IS NULL` or `IS NOT NULL`"),
    ("NULL <> language", "'!=' with NULL is never true (SQL)"),
    ("language NOT IN ('en', NULL)", "'NOT IN' with NULL is never true (SQL)"),
    ("rps_doc_word_count BETWEEN NULL AND 3", "'BETWEEN' with NULL is never true (SQL)"),
    ("rps_doc_word_count + NULL > 1", "'+' with NULL is never true (SQL)"),
    ("meta > 5", "'meta' holds values rules do not read (a date, map, struct or bytes); only `meta IS NULL`"),
    ("coalesce(meta, 'x') = 'x'", "'meta' holds values rules do not read"),
])
def test_type_errors_are_refused_before_any_work(rule, named):
    with pytest.raises(RuleError) as caught:
        compile_rule(rule, KINDS)
    assert named in str(caught.value)


def test_well_typed_rules_pass_the_type_check():
    for rule in ("array_mean(rps_lines_num_words) > 0.5", "coalesce(ccnet_perplexity, 0) < 500",
                 "lower(language) LIKE 'e%' AND url IS NOT NULL", "meta IS NULL",
                 "greatest(rps_doc_word_count, 2) < 5 OR language IN ('en', NULL)"):
        compile_rule(rule, KINDS)


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
    page = "lorem " * 20_000  # 120,000 characters: Spark's own LIKE backtracked 7.8 s on it
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


def test_long_chains_of_and_or_are_balanced_and_keep_their_meaning():
    terms = [f"rps_doc_word_count = {n}" for n in range(1_200)]
    node = compile_rule(" OR ".join(terms), KINDS)
    assert depth(node) == 13  # 1 + log2(1,200) rounded up + the comparison's two levels
    assert [evaluate(node, {"rps_doc_word_count": n}) for n in (0, 599, 1_199, 1_200, None)] == [
        True, True, True, False, None]
    node = compile_rule(" AND ".join(f"rps_doc_word_count != {n}" for n in range(1_200)), KINDS)
    assert [evaluate(node, {"rps_doc_word_count": n}) for n in (0, 1_200)] == [False, True]


@pytest.mark.parametrize("rule", [
    "(" * 2_000 + "rps_doc_word_count > 1" + ")" * 2_000,
    "NOT " * 2_000 + "rps_doc_word_count > 1",
    "-" * 2_000 + "rps_doc_word_count > 1",
    "abs(" * 2_000 + "rps_doc_word_count" + ")" * 2_000 + " > 1",
    " - ".join(["rps_doc_word_count"] * 1_200) + " > 1",
    "NOT " * MAX_DEPTH + "rps_doc_word_count > 1",
])
def test_nesting_deeper_than_the_limit_is_refused_by_name(rule):
    with pytest.raises(RuleError, match=f"the rule nests more than {MAX_DEPTH} levels deep"):
        compile_rule(rule, KINDS)


@pytest.mark.parametrize("rule", [
    "(" * MAX_DEPTH + "rps_doc_word_count > 1" + ")" * MAX_DEPTH,
    "NOT " * (MAX_DEPTH - 2) + "rps_doc_word_count > 1",
    "abs(" * (MAX_DEPTH - 2) + "rps_doc_word_count" + ")" * (MAX_DEPTH - 2) + " > 1",
])
def test_nesting_up_to_the_limit_is_a_rule(rule):
    assert evaluate(compile_rule(rule, KINDS), {"rps_doc_word_count": 3}) is True
