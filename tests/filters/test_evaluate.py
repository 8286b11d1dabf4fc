"""Rules evaluated on a row: comparisons and boolean logic, SQL's nulls, the functions of the allow-list."""

from filters.evaluate import evaluate
from filters.kinds import compile_rule
from tests.helpers.rule_columns import COLUMNS


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
