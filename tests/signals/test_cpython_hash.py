"""CPython 3.11's str and pair hash under PYTHONHASHSEED=42, recomputed in-process, equals what an interpreter
started with that seed computes (the DSIR buckets depend on it: RedPajama-Data
app/src/core/quality_signals/utils/dsir.py, 6d2cee9)."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from signals.cpython_hash import buckets, pair_hashes, str_hashes
from signals.text import raw_words
from tests.helpers.paths import REPO, SHARED

# strings at the edges of CPython's representation and of SipHash's 8-byte blocks
EDGE_TOKENS = ["", "a", "abcdefg", "abcdefgh", "abcdefghi", "x" * 16, "é", "café", "Ā", "Привет", "中文字",
               "😀", "a😀", "\ud800", "\x00", "km²", "…", "...", "'", "HTML5", "l" * 300]


def child_hashes(tokens: list[str], seed: str = "42") -> tuple[list[int], list[int]]:
    """hash() of each token and of each consecutive pair, by a fresh interpreter with PYTHONHASHSEED=seed."""
    script = textwrap.dedent("""
        import json, sys
        tokens = json.load(sys.stdin)
        print(json.dumps([[hash(t) for t in tokens], [hash(p) for p in zip(tokens, tokens[1:])]]))
    """)
    done = subprocess.run([sys.executable, "-c", script], input=json.dumps(tokens), capture_output=True, text=True,
                          env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
    return tuple(json.loads(done.stdout))


def signed(values: np.ndarray) -> list[int]:
    return values.view(np.int64).tolist()


@pytest.fixture(scope="module")
def parity_tokens() -> list[str]:
    documents = SHARED / "parity" / "public.jsonl"
    if not documents.exists():
        pytest.skip(f"{documents} is absent (it ships beside the repository in CI)")
    return [token for line in documents.open() for token in raw_words(json.loads(line)["text"])]


def test_hashes_equal_an_interpreter_started_with_seed_42(parity_tokens):
    # WordPunct tokens of 274 real documents in five languages, plus the edge cases
    tokens = parity_tokens + EDGE_TOKENS
    expected_tokens, expected_pairs = child_hashes(tokens)
    hashes = str_hashes(tokens)
    assert signed(hashes) == expected_tokens
    assert signed(pair_hashes(hashes[:-1], hashes[1:])) == expected_pairs


def test_buckets_measured_under_seed_42():
    # `compute_hash` of RedPajama-Data's dsir.py, measured with PYTHONHASHSEED=42 on CPython 3.11.7 and 3.12.1
    the, of = str_hashes(["the"]), str_hashes(["of"])
    assert buckets(the, 10000).tolist() == [2820]
    assert buckets(pair_hashes(of, the), 10000).tolist() == [1616]
    assert buckets(np.array([2**63], np.uint64), 10000).tolist() == [abs(-2**63) % 10000]


def test_the_running_interpreters_own_seed_does_not_matter():
    # a Spark worker runs with whatever seed it was given: the values must not change with it
    script = "import json; from signals.cpython_hash import str_hashes; print(json.dumps(str_hashes(%r).tolist()))"
    env = {**os.environ, "PYTHONHASHSEED": "123", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", script % EDGE_TOKENS], capture_output=True, text=True, env=env,
                          check=True)
    assert json.loads(done.stdout) == str_hashes(EDGE_TOKENS).tolist()
    assert signed(str_hashes(EDGE_TOKENS)) == child_hashes(EDGE_TOKENS)[0]
