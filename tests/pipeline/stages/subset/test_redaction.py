"""`redact_pii` in a real subset run: the planted public addresses are gone from the shards, every private address
and look-alike is intact, and the counts per kind are in `_stats.json`, the card and the report's words."""

import json
import random
import re
from html import escape

import phonenumbers
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from filters.pii import Redaction
from pipeline.schema import documents_table
from pipeline.stages.report.page import load_subset, render_page
from pipeline.stages.subset.plan import plan_subset
from pipeline.stages.subset.redaction import LANGUAGE_HINT, marked_rows, redact_batch
from pipeline.stages.subset.run import run_subset
from pipeline.stages.subset.summary import redaction_note
from recipes.loader import RecipeError, parse_recipe
from tests.helpers.pii_text import planted

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def write_documents(folder, count: int = 120) -> list[list[tuple[str, str, bool]]]:
    """Documents in one Parquet file, every other one with planted data; returns what each one holds."""
    rng = random.Random(7)
    rows, plants = [], []
    for index in range(count):
        text, planted_here = planted(rng) if index % 2 else ("", [])
        filler = " ".join("".join(rng.choices(LETTERS, k=rng.randint(2, 9))) for _ in range(60))
        rows.append({"id": f"doc-{index:04d}", "text": f"{filler}\n{text}", "language": ["en", "de", "fr"][index % 3]})
        plants.append(planted_here)
    folder.mkdir()
    pq.write_table(documents_table(rows), folder / "part-0.parquet")
    return plants


def recipe(inputs, output, redact: str, columns: str = "") -> str:
    return (f"name: redacted\ninputs:\n  - path: {inputs}\ntransforms:\n  redact_pii: {redact}\n"
            f"output:\n  path: {output}\n  shard_size: 10KB\n{columns}card:\n  license: odc-by\n")


def shard_rows(output) -> list[dict]:
    return [row for path in sorted((output / "data" / "default").glob("*.parquet"))
            for row in pq.read_table(path).to_pylist()]


def test_planted_public_addresses_are_gone_from_the_shards_and_counted(spark, tmp_path):
    plants = write_documents(tmp_path / "docs")
    out = tmp_path / "out"
    stats = run_subset(spark, plan_subset(parse_recipe(recipe(tmp_path / "docs", out, "{emails: true, ips: true}"),
                                                       "r.yaml")))
    assert len(list((out / "data" / "default").glob("*.parquet"))) > 1  # the counts of every shard added up
    rows = sorted(shard_rows(out), key=lambda row: row["id"])
    assert len(rows) == len(plants) > 1 and len({row["text"] for row in rows}) > 1
    for row, planted_here in zip(rows, plants, strict=True):
        words = row["text"].split()
        for kind, value, gone in planted_here:
            assert (value not in words) == gone, (row["id"], kind, value)
    expected = {kind: sum(gone for planted_here in plants for k, _, gone in planted_here if k == kind)
                for kind in ("emails", "ips")}
    changed = sum(any(gone for _, _, gone in planted_here) for planted_here in plants)
    assert stats["redacted"] == {**expected, "documents": changed} and all(expected.values())
    assert json.loads((out / "_stats.json").read_text())["redacted"] == stats["redacted"]
    card = (out / "README.md").read_text()
    assert f"## Personal data\n\n{redaction_note(stats)}" in card
    assert f"{expected['emails']:,} e-mail addresses, {expected['ips']:,} public IP addresses" in card
    assert "phone numbers were not looked for" in card and "before redaction" in card
    assert stats["chars_kept"] == sum(len(row["text"]) for row in rows)  # counted after the redaction
    plan, books = load_subset(str(out))  # what `curate report` reads
    assert escape(redaction_note(books)) in render_page(plan, books, None, [], {}, None, {})


def test_phone_numbers_are_read_in_the_documents_language_even_when_the_shards_leave_it_out(spark, tmp_path):
    national = "030 901820"  # Berlin, as Germans write it: a number in DE, not in the US (libphonenumber says so)
    assert phonenumbers.is_valid_number(phonenumbers.parse(national, "DE"))
    assert not phonenumbers.is_valid_number(phonenumbers.parse(national, "US"))
    rows = [{"id": f"doc-{i}", "text": f"Ruf an unter {national} oder schreib.", "language": lang}
            for i, lang in enumerate(["de", "en", "de"])]
    (tmp_path / "docs").mkdir()
    pq.write_table(documents_table(rows), tmp_path / "docs" / "part-0.parquet")
    out = tmp_path / "out"
    stats = run_subset(spark, plan_subset(parse_recipe(recipe(
        tmp_path / "docs", out, "{phones: true}", "  columns: [id, text]\n"), "r.yaml")))
    shards = shard_rows(out)
    assert set(shards[0]) == {"id", "text"}
    redacted = {row["id"] for row in shards if national not in row["text"]}
    assert redacted == {row["id"] for row in rows if row["language"] == "de"}
    assert stats["redacted"] == {"phones": 2, "documents": 2}


def test_a_batch_without_candidates_is_returned_as_it_is():
    batch = pa.RecordBatch.from_pydict({"id": ["a", "b"], "text": ["no digits here", None],
                                        LANGUAGE_HINT: ["en", None]})
    redacted, counts = redact_batch(batch, Redaction(emails=True, ips=True, phones=True))
    assert redacted.equals(batch.drop_columns([LANGUAGE_HINT]))
    assert counts == {"emails": 0, "ips": 0, "phones": 0, "documents": 0}


def test_redaction_without_text_in_the_shards_is_refused_before_any_work(tmp_path):
    write_documents(tmp_path / "docs", count=2)
    loaded = parse_recipe(recipe(tmp_path / "docs", tmp_path / "out", "{ips: true}", "  columns: [id]\n"), "r.yaml")
    with pytest.raises(RecipeError, match=r"^r\.yaml:5: transforms\.redact_pii: the shards hold no `text`"):
        plan_subset(loaded)


def test_the_byte_prefilter_passes_every_text_the_patterns_would_look_at():
    rng = random.Random(3)
    texts = [planted(rng, items=1)[0] for _ in range(300)] + ["", "a.b", "1.2", "x:y", "f::", "@"]
    hint = re.compile(Redaction(emails=True, ips=True).hint())
    for array in (pa.array(texts), pa.array(texts, pa.large_string()), pa.array(["0.0", *texts]).slice(1)):
        marked = set(marked_rows(array).tolist())
        assert {row for row, text in enumerate(texts) if hint.search(text)} <= marked < set(range(len(texts)))
