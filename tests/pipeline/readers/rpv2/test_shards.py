"""Reading published RedPajama-V2: a small sample in its layout, written here, read back and joined by document id.

The documents are real CCNet output (dolma's cc_net test shards, ../shared/data/cc) and the parity texts with the
CCNet fields CCNet would give them; their signals and MinHash are computed by our code and written with the
`--export rpv2` writer, as the published files are laid out."""

import base64
import gzip
import hashlib
import json
from collections import Counter
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from pipeline.accounting import Stats
from pipeline.cli.main import main
from pipeline.readers.documents import DOCUMENT_SUFFIXES
from pipeline.readers.rpv2.layout import document_id
from pipeline.readers.rpv2.shards import RPV2_SCHEMA, BadShard, read_shard, select_shards
from pipeline.schema import SIGNAL_FIELDS
from pipeline.stages.signals.columns import registry_columns, signal_columns
from pipeline.stages.signals.run import run_signals
from pipeline.storage.inputs import expand_inputs
from pipeline.writers.rpv2_export import minhash_table, signals_line
from signals.artifacts import Artifacts
from signals.registry import FINEWEB, WITH_MODELS
from tests.helpers.http_server import LoopbackServer
from tests.helpers.paths import SHARED

SNAPSHOT = "2020-16"
FULL = f"{SNAPSHOT}/0091/en_head"  # documents (one line broken), signals, MinHash, duplicates
EDGES = f"{SNAPSHOT}/0000/en_middle"  # the parity edge cases, the empty text among them; no duplicates file
BARE = f"{SNAPSHOT}/0174/en_head"  # documents only: its three companion files are missing
TAIL = f"{SNAPSHOT}/0000/en_tail"  # documents only, as every tail shard is published
BROKEN_LINE = 3
DUPLICATES = (1, 7)
CCNET_FIELDS = ("url", "date_download", "digest", "length", "nlines", "source_domain", "title", "raw_content",
                "cc_segment", "original_nlines", "original_length", "line_ids", "language", "language_score",
                "perplexity", "bucket")


def dolma_ccnet(path) -> list[dict]:
    """Real cc_net output, unwrapped from dolma's format back into CCNet's JSON records."""
    records = []
    for line in gzip.open(path):
        document = json.loads(line)
        records.append({field: document["text"] if field == "raw_content" else document["metadata"][field]
                        for field in CCNET_FIELDS})
    return records


def parity_ccnet(documents: list[dict], bucket: str) -> list[dict]:
    """Parity texts with the fields CCNet derives from a text (its line dedup did nothing to them)."""
    records = []
    for document in documents:
        text, url = document["text"], f"https://example.org/{document['id']}"
        nlines = len(text.split("\n"))
        records.append({
            "url": url, "date_download": "2020-03-29T09:04:10Z",
            "digest": "sha1:" + base64.b32encode(hashlib.sha1(text.encode()).digest()).decode(),
            "length": len(text), "nlines": nlines, "source_domain": "example.org", "title": document["id"],
            "raw_content": text, "cc_segment": "crawl-data/CC-MAIN-2020-16/segments/1585370490497.6/wet/"
            "CC-MAIN-20200328074047-20200328104047-00001.warc.wet.gz",
            "original_nlines": nlines, "original_length": len(text), "line_ids": list(range(nlines)),
            "language": document["language"], "language_score": 0.93, "perplexity": 280.4, "bucket": bucket,
        })
    return records


def published_rows(shard: str, records: dict[int, dict], artifacts: Artifacts) -> list[dict]:
    """What the reference computes per document: our signal columns, plus CCNet's fields as the worker copies them
    (RedPajama-Data app/src/core/worker.py), under the document's id."""
    texts = [record["raw_content"] for record in records.values()]
    languages = [record["language"] for record in records.values()]
    columns = {**signal_columns(texts, languages, artifacts),
               **registry_columns(texts, languages, [record["url"] for record in records.values()],
                                  [None] * len(texts), artifacts, WITH_MODELS),
               **{name: [None] * len(texts) for name in FINEWEB}}  # our addition: RedPajama-V2 has none
    rows = []
    for k, (index, record) in enumerate(records.items()):
        row = {name: values[k] for name, values in columns.items()}
        row.update(
            id=document_id(shard, index), text=record["raw_content"], url=record["url"],
            language=record["language"], crawl=SNAPSHOT,
            meta={"cc_segment": record["cc_segment"], "source_domain": record["source_domain"],
                  "cc_net_source": f"{shard}.json.gz"},
            ccnet_length=float(record["length"]), ccnet_original_length=float(record["original_length"]),
            ccnet_nlines=float(record["nlines"]), ccnet_original_nlines=float(record["original_nlines"]),
            ccnet_language_score=float(record["language_score"]), ccnet_perplexity=float(record["perplexity"]),
            ccnet_bucket={"head": 0.0, "middle": 1.0, "tail": 2.0}.get(record["bucket"]),
        )
        rows.append(row)
    return rows


def write_shard(root, shard: str, lines: list[bytes], rows: list[dict] | None, duplicates: list[str] | None):
    def place(folder: str, suffix: str):
        path = root / folder / f"{shard}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    place("documents", ".json.gz").write_bytes(gzip.compress(b"".join(lines)))
    if rows is not None:
        place("quality_signals", ".signals.json.gz").write_bytes(
            gzip.compress(b"".join(signals_line(row, "") for row in rows)))
        pq.write_table(minhash_table(rows, ""), place("minhash", ".minhash.parquet"))
    if duplicates is not None:
        pq.write_table(pa.table({"shard_id": [f"{shard}.json.gz"] * len(duplicates), "doc_id": duplicates,
                                 "digest": ["X"] * len(duplicates)}), place("duplicates", ".duplicates.parquet"))


@pytest.fixture(scope="module")
def sample(shared_data, tmp_path_factory):
    """ROOT in RedPajama-V2's layout, and the rows the reference would have computed, by document id."""
    root = tmp_path_factory.mktemp("rpv2")
    artifacts = Artifacts(str(shared_data / "artifacts"))
    parity = [json.loads(line) for line in (SHARED / "parity" / "public.jsonl").open()]
    shards = {
        FULL: dolma_ccnet(shared_data / "cc" / "dolma-cc_en_head-0091.jsonl.gz"),
        EDGES: parity_ccnet([d for d in parity if d["id"].startswith("edge-en/")], "middle"),
        BARE: dolma_ccnet(shared_data / "cc" / "dolma-cc_en_head-0174.jsonl.gz"),
        TAIL: parity_ccnet([d for d in parity if d["language"] == "en"][:5], "tail"),
    }
    expected = {}
    for shard, records in shards.items():
        lines = [json.dumps(record).encode() + b"\n" for record in records]
        if shard == FULL:
            lines.insert(BROKEN_LINE, b'{"url": "http://cut.example/", "raw_content": "the line ends he\n')
        decodable = {index: json.loads(line) for index, line in enumerate(lines) if index != BROKEN_LINE
                     or shard != FULL}
        rows = published_rows(shard, decodable, artifacts)
        expected.update({row["id"]: (decodable[int(row["id"].rpartition("/")[2])], row) for row in rows})
        duplicates = [document_id(shard, index) for index in DUPLICATES] if shard == FULL else None
        write_shard(root, shard, lines, rows if shard in (FULL, EDGES) else None, duplicates)
    (root / "listings").mkdir()
    (root / "listings" / f"en-{SNAPSHOT}-head_middle.txt").write_text(f"{FULL}\n{EDGES}\n{BARE}\n")
    (root / "listings" / f"en-{SNAPSHOT}-tail.txt").write_text(f"{TAIL}\n")
    return root, expected


def read(root, shard: str) -> tuple[list[dict], Stats, Counter]:
    stats, counts = Stats(), Counter()
    rows = [row for table in read_shard(str(root), shard, stats, counts) for row in table.to_pylist()]
    return rows, stats, counts


def test_shards_are_selected_from_the_listings(sample, tmp_path):
    root, _ = sample
    assert select_shards(str(root), snapshots=(SNAPSHOT,), languages=("en",)) == [FULL, EDGES, BARE]
    assert select_shards(str(root), snapshots=(SNAPSHOT,), languages=("en",), buckets=("tail", "middle")) == [
        EDGES, TAIL]
    listing = tmp_path / "mine.txt"
    listing.write_text(f"{SNAPSHOT}/0001/de_head\n\n{BARE}.json.gz\n{TAIL}\n")
    assert select_shards(str(root), str(listing)) == [f"{SNAPSHOT}/0001/de_head", BARE, TAIL]
    assert select_shards(str(root), str(listing), languages=("en",), buckets=("head",)) == [BARE]
    with pytest.raises(ValueError, match="snapshots and languages"):
        select_shards(str(root), languages=("en",))


def test_documents_join_their_signals_minhash_and_duplicates_by_line_index(sample):
    root, expected = sample
    rows, stats, counts = read(root, FULL)
    # the broken line keeps its index: the documents after it are joined with the records of their own line
    assert [row["id"] for row in rows] == [document_id(FULL, i) for i in range(11) if i != BROKEN_LINE]
    assert (stats.read, stats.kept, dict(stats.errors)) == (11, 10, {"bad_json": 1})
    assert counts == {"documents_without_quality_signals": 0, "documents_without_minhash": 0}
    for row in rows:
        record, published = expected[row["id"]]
        assert (row["text"], row["url"], row["language"], row["crawl"], row["source"]) == (
            record["raw_content"], record["url"], record["language"], SNAPSHOT, "rpv2")
        assert (row["license"], row["license_tier"]) == (None, "unknown")  # RedPajama-V2 states no licence
        assert row["date"] == datetime.fromisoformat(record["date_download"])
        assert row["language_score"] == pytest.approx(record["language_score"])
        meta = dict(row["meta"])
        assert (meta["digest"], meta["title"], meta["cc_net_source"]) == (
            record["digest"], record["title"], f"{FULL}.json.gz")
        assert json.loads(meta["line_ids"]) == record["line_ids"] and float(meta["perplexity"]) == record["perplexity"]
        for name in published.keys() & set(RPV2_SCHEMA.names) - {"id", "text", "url", "language", "crawl", "meta"}:
            assert row[name] == published[name], (row["id"], name)
        assert row["rps_doc_ml_palm_score"] is None and row["rps_doc_wikipedia_importance"] is None
        assert row["is_duplicate"] == (int(row["id"].rpartition("/")[2]) in DUPLICATES)


def test_the_empty_document_and_a_missing_duplicates_file(sample):
    root, expected = sample
    rows, stats, counts = read(root, EDGES)
    assert stats.kept == len(rows) == 10 and counts["duplicates_files_missing"] == 1
    [empty] = [row for row in rows if row["text"] == ""]
    assert empty["line_spans"] == [] and empty["rps_lines_start_with_bulletpoint"] == []
    assert empty["rps_doc_word_count"] == 0 and empty["signature_sim0.8"] is None
    for row in rows:
        published = expected[row["id"]][1]
        assert row["is_duplicate"] is None
        assert [row[field.name] for field in SIGNAL_FIELDS] == [published[field.name] for field in SIGNAL_FIELDS]


def test_missing_companions_are_counted_and_tail_shards_have_none(sample):
    root, _ = sample
    rows, stats, counts = read(root, BARE)
    assert stats.kept == 10 and all(row["rps_doc_word_count"] is None and row["is_duplicate"] is None for row in rows)
    assert counts == {"quality_signals_files_missing": 1, "minhash_files_missing": 1, "duplicates_files_missing": 1,
                      "documents_without_quality_signals": 10, "documents_without_minhash": 10}
    rows, stats, counts = read(root, TAIL)
    assert stats.kept == 5 and not counts and all(row["line_spans"] is None for row in rows)


def test_documents_without_signals_records_take_ccnet_signals_from_their_own_fields(sample):
    """A tail shard has no signals file: its CCNet fields are the ccnet_* signals all the same, as published."""
    root, expected = sample
    rows, _, _ = read(root, TAIL)
    ccnet = [f"ccnet_{name}" for name in ("length", "original_length", "nlines", "original_nlines",
                                          "language_score", "perplexity", "bucket")]
    assert rows and all({name: row[name] for name in ccnet} == {name: expected[row["id"]][1][name] for name in ccnet}
                        for row in rows)
    assert {row["ccnet_bucket"] for row in rows} == {2.0}


def test_a_corrupt_documents_file_is_named(sample, tmp_path):
    root, _ = sample
    broken = tmp_path / "documents" / f"{SNAPSHOT}/0002/en_head.json.gz"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(gzip.compress(b'{"raw_content": "x"}\n')[:-12])
    with pytest.raises(BadShard, match=r"0002/en_head\.json\.gz: corrupt gzip"):
        read(tmp_path, f"{SNAPSHOT}/0002/en_head")


def test_reading_over_http_gives_the_same_rows(sample):
    root, _ = sample
    files = {"/" + str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()}
    with LoopbackServer(files) as server:
        assert select_shards(server.url("/"), snapshots=(SNAPSHOT,), languages=("en",)) == [FULL, EDGES, BARE]
        for shard in (FULL, BARE):
            (remote, remote_stats, remote_counts), (local, local_stats, local_counts) = (
                read(server.url("/"), shard), read(root, shard))
            assert (remote, remote_counts, remote_stats.errors) == (local, local_counts, local_stats.errors)


def test_ingest_then_export_gives_back_the_published_files(spark, sample, shared_data, tmp_path):
    root, _ = sample
    documents = tmp_path / "documents"
    assert main(["ingest", "--rpv2", str(root), "--snapshots", SNAPSHOT, "--languages", "en",
                 "--buckets", "head,middle,tail", "--output", str(documents), "--quiet"]) == 0
    stats = json.loads((documents / "_stats.json").read_text())
    assert (stats["read"], stats["kept"], stats["errors"], stats["inputs"]["files"]) == (36, 35, {"bad_json": 1}, 4)
    assert stats["counts"]["quality_signals_files_missing"] == 1 and stats["counts"]["duplicates_files_missing"] == 2
    schema = pq.read_schema(next(documents.glob("part-*.parquet")))
    assert schema.remove_metadata() == RPV2_SCHEMA
    # the signal columns have the names and types of `curate signals` output: recipes read both alike
    assert all(schema.field(field.name) == field for field in SIGNAL_FIELDS)

    # scoring the documents again and exporting them gives the published files back, byte for byte
    run_signals(spark, expand_inputs([str(documents)], DOCUMENT_SUFFIXES), str(tmp_path / "signals"),
                str(shared_data / "artifacts"), progress=False, export="rpv2")
    exported = {}
    for path in (tmp_path / "signals" / "_rpv2").glob("*.signals.json.gz"):
        for line in gzip.open(path):
            exported.setdefault(json.loads(line)["metadata"]["cc_net_source"], []).append(line)
    for shard in (FULL, EDGES):
        published = gzip.open(root / "quality_signals" / f"{shard}.signals.json.gz").read().splitlines(keepends=True)
        assert exported[f"{shard}.json.gz"] == published
    minhash = pa.concat_tables(pq.read_table(path) for path in (tmp_path / "signals" / "_rpv2").glob("*.parquet"))
    published = pq.read_table(root / "minhash" / f"{FULL}.minhash.parquet")
    assert minhash.filter(pc.equal(minhash["shard_id"], f"{FULL}.json.gz")).equals(published)
