"""Parsing: long chains of AND and OR stay shallow trees, and nesting past the limit is refused by name."""

import pytest

from filters.evaluate import evaluate
from filters.kinds import compile_rule
from filters.nodes import RuleError, depth
from filters.parser import MAX_DEPTH
from tests.helpers.rule_columns import KINDS


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
