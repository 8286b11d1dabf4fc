"""The 28 model-free signals against the output of the RedPajama-V2 reference (RedPajama-Data app/src/core/,
6d2cee9) for the documents of ../shared/parity."""

import json

import pytest

from signals.artifacts import Artifacts
from signals.registry import MODEL_FREE, compute_signals
from tests.helpers.paths import SHARED


@pytest.fixture(scope="module")
def parity():
    documents = SHARED / "parity" / "public.jsonl"
    if not documents.exists():
        pytest.skip(f"{documents} is absent (it ships beside the repository in CI)")
    expected = {row["id"]: row for row in map(json.loads, (SHARED / "parity" / "public.expected.jsonl").open())}
    return [(doc, expected[doc["id"]]["quality_signals"]) for doc in map(json.loads, documents.open())]


def test_every_value_of_the_28_signals_equals_the_reference(parity):
    artifacts = Artifacts(str(SHARED / "data" / "artifacts"))
    assert len(MODEL_FREE) == 28
    mismatches = []
    for document, expected in parity:
        got = compute_signals(document["text"], document["language"], artifacts)
        assert set(got) == set(expected)
        for name, spans in expected.items():
            # JSON has no tuples and no int/float distinction for whole floats: compare as the reference writes
            if json.loads(json.dumps(got[name])) != spans:
                mismatches.append((document["id"], name, got[name][:3], spans[:3]))
    assert not mismatches, f"{len(mismatches)} mismatches, first: {mismatches[:5]}"
