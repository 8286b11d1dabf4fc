"""`curate signals --export rpv2`: the parity documents come out in RedPajama-V2's published format, byte for byte."""

import gzip
import json

import msgspec
import pyarrow as pa
import pyarrow.parquet as pq

from signals.artifacts import Artifacts
from signals.registry import CCNET, compute_signals
from tests.helpers.paths import SHARED


class SignalsLine(msgspec.Struct):
    """A signals line with each signal's spans kept as the bytes that were written."""

    id: str
    id_int: int
    quality_signals: dict[str, msgspec.Raw]


def _expected_lines() -> dict[str, bytes]:
    """The reference's output line of each document, by id."""
    lines = (SHARED / "parity" / "public.expected.jsonl").read_bytes().splitlines()
    return {json.loads(line)["id"]: line for line in lines}


def _documents() -> list[dict]:
    return [json.loads(line) for line in (SHARED / "parity" / "public.jsonl").open()]


def test_spans_are_the_bytes_the_reference_wrote(parity_signals):
    [signals_file] = (parity_signals / "_rpv2").glob("*.signals.json.gz")
    ours = [msgspec.json.decode(line, type=SignalsLine) for line in gzip.open(signals_file).read().splitlines()]
    expected = {key: msgspec.json.decode(line, type=SignalsLine) for key, line in _expected_lines().items()}
    assert [line.id for line in ours] == [document["id"] for document in _documents()]  # the documents' order
    assert all(line.id_int == expected[line.id].id_int for line in ours)
    mismatches = [
        (mine.id, name, bytes(mine.quality_signals[name])[:80], bytes(spans)[:80])
        for mine in ours
        for name, spans in expected[mine.id].quality_signals.items()
        if bytes(mine.quality_signals[name]) != bytes(spans)
    ]
    assert {len(line.quality_signals) for line in expected.values()} == {28}
    assert not mismatches, f"{len(mismatches)} mismatches, first: {mismatches[:3]}"


def test_records_carry_all_45_signals_and_the_metadata(parity_signals):
    [signals_file] = (parity_signals / "_rpv2").glob("*.signals.json.gz")
    records = [json.loads(line) for line in gzip.open(signals_file)]
    computed = set(json.loads(next(iter(_expected_lines().values())))["quality_signals"])
    for record, document in zip(records, _documents(), strict=True):
        assert list(record) == ["id", "id_int", "metadata", "quality_signals"]
        assert len(record["quality_signals"]) == 45
        # CCNet's signals come from the registry as in-process; the models' signals (no artifacts here) are written
        # as the reference writes a missing artifact
        ccnet = compute_signals(document["text"], document["language"], Artifacts(None), CCNET)
        for name in set(record["quality_signals"]) - computed:
            assert record["quality_signals"][name] == ccnet.get(name, [[0, len(document["text"]), None]]), name
        assert record["metadata"] == {"cc_segment": None, "cc_net_source": "public.jsonl", "url": None,
                                      "source_domain": None, "language": document["language"], "snapshot_id": None}


def test_minhash_parquet_has_the_published_schema_and_bands(parity_signals):
    [minhash_file] = (parity_signals / "_rpv2").glob("*.minhash.parquet")
    table = pq.read_table(minhash_file)
    published = pa.schema([("shard_id", pa.string()), ("id", pa.string()), ("id_int", pa.uint64())]
                          + [(f"signature_sim{s}", pa.list_(pa.binary())) for s in ("1.0", "0.9", "0.8", "0.7")])
    assert table.schema.remove_metadata() == published
    expected = {key: json.loads(line) for key, line in _expected_lines().items()}
    assert table.column("id").to_pylist() == [document["id"] for document in _documents()]
    for row in table.to_pylist():
        reference = expected[row["id"]]
        assert (row["id"], row["id_int"], row["shard_id"]) == (reference["id"], reference["id_int"], "public.jsonl")
        for column, bands in reference["minhash"].items():
            assert (row[column] and [band.hex() for band in row[column]]) == bands, (row["id"], column)


def test_export_files_sit_beside_the_documents_without_disturbing_them(parity_signals):
    manifest = json.loads((parity_signals / "_manifest.json").read_text())["files"]
    exports = [entry for entry in manifest if entry.get("export") == "rpv2"]
    names = sorted(entry["file"] for entry in exports)
    assert len(names) == 2 and names[0].endswith(".minhash.parquet") and names[1].endswith(".signals.json.gz")
    for entry in exports:
        assert entry["rows"] == 274 and (parity_signals / entry["file"]).stat().st_size == entry["bytes"]
    assert pq.read_table(str(parity_signals)).num_rows == 274  # readers of the documents skip the `_rpv2` folder
