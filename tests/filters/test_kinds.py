"""What a recipe author writes wrong is refused before any work: unknown names by name, values of the wrong kind."""

import pytest

from filters.kinds import compile_rule
from filters.nodes import RuleError
from tests.helpers.rule_columns import COLUMNS, KINDS


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
