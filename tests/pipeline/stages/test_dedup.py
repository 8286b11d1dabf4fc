"""`curate dedup` as a stage: every row back with its cluster, the same bytes however it runs, all four modes."""

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dedup.clustering import BUCKET_HEADS
from pipeline.cli.main import main
from pipeline.console import print_clusters
from pipeline.spark.stage import StageFailed
from pipeline.stages.dedup import DedupOptions, run_dedup, size_histogram
from signals.minhash import minhash_signatures
from signals.text import normalize
from tests.helpers.broken_files import broken_parquet
from tests.helpers.near_duplicates import CorpusShape, near_duplicate_corpus
from tests.helpers.output_files import outputs

SHAPE = CorpusShape(families=30, copies=5, unrelated=200, words=400, max_edits=12, seed=11)


@pytest.fixture(scope="module")
def corpus() -> list[dict]:
    return near_duplicate_corpus(SHAPE)


def write_parts(documents: list[dict], directory, parts: int, columns=("id", "text")) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for part in range(parts):
        path = directory / f"docs-{part}.parquet"
        pq.write_table(pa.Table.from_pylist([{c: d[c] for c in columns} for d in documents[part::parts]]), path)
        paths.append(str(path))
    return paths


def assignments(out) -> dict[str, tuple]:
    table = pq.read_table(out)
    return {row["id"]: (row["dup_cluster"], row["is_duplicate"]) for row in table.to_pylist()}


@pytest.fixture(scope="module")
def fuzzy_run(spark, corpus, tmp_path_factory):
    root = tmp_path_factory.mktemp("dedup")
    inputs = write_parts(corpus, root / "in", 3)
    stats = run_dedup(spark, inputs, str(root / "out"), DedupOptions(thresholds=(0.8, 0.9)), progress=False)
    return root, inputs, stats


def test_every_row_comes_back_with_its_cluster(fuzzy_run, corpus):
    root, inputs, stats = fuzzy_run
    assert stats["read"] == stats["kept"] == stats["documents"] == len(corpus)
    assert stats["duplicates"] == stats["by_threshold"]["0.8"]["duplicates"] > 0
    assert stats["by_threshold"]["0.9"]["duplicates"] <= stats["duplicates"]
    table = pq.read_table(root / "out")
    assert table.column_names == ["id", "text", "dup_cluster", "is_duplicate", "dup_cluster_0.9", "is_duplicate_0.9"]
    assert table.schema.field("is_duplicate").type == pa.bool_()
    assert sorted(table.column("id").to_pylist()) == sorted(d["id"] for d in corpus)
    rows = table.to_pylist()
    for row in rows:  # a document near-duplicate at 0.9 is one at 0.8 too
        if row["dup_cluster_0.9"] is not None:
            assert row["dup_cluster"] is not None
    families = {d["id"]: d["family"] for d in corpus}
    clustered = [row for row in rows if row["dup_cluster"] is not None]
    assert all(families[row["id"]] == families[row["dup_cluster"]] is not None for row in clustered)
    for name in ("_SUCCESS", "_manifest.json", "_stats.json", "_clusters/_summary.json"):
        assert (root / "out" / name).exists()
    manifest = json.loads((root / "out" / "_manifest.json").read_text())
    assert sum(f["rows"] for f in manifest["files"]) == len(corpus) and len(manifest["files"]) == len(inputs)


def test_same_bytes_with_1_or_16_partitions_and_on_rerun(spark, fuzzy_run, tmp_path):
    root, inputs, _ = fuzzy_run
    previous = spark.conf.get("spark.sql.shuffle.partitions")
    try:
        for partitions in (1, 16):
            spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
            run_dedup(spark, inputs, str(tmp_path / f"p{partitions}"), DedupOptions(thresholds=(0.8, 0.9)),
                      progress=False)
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", previous)
    assert outputs(tmp_path / "p1") == outputs(tmp_path / "p16") == outputs(root / "out")
    # a rerun of a complete job changes nothing; a rerun after losing a unit redoes only that unit
    (tmp_path / "p1" / "_SUCCESS").unlink()
    unit = next((tmp_path / "p1" / "_units").iterdir())
    (tmp_path / "p1" / json.loads(unit.read_text())["files"][0]["file"]).unlink()
    unit.unlink()
    run_dedup(spark, inputs, str(tmp_path / "p1"), DedupOptions(thresholds=(0.8, 0.9)), progress=False)
    assert outputs(tmp_path / "p1") == outputs(root / "out")


def test_how_the_input_is_split_does_not_matter(spark, fuzzy_run, corpus, tmp_path):
    root, _, _ = fuzzy_run
    one = write_parts(corpus, tmp_path / "one", 1)
    run_dedup(spark, one, str(tmp_path / "out"), DedupOptions(thresholds=(0.8, 0.9)), progress=False)
    assert assignments(tmp_path / "out") == assignments(root / "out")


def test_signatures_given_by_curate_signals_are_used(spark, fuzzy_run, corpus, tmp_path):
    root, _, _ = fuzzy_run
    rows = [{"id": d["id"], "signature_sim1.0": minhash_signatures(normalize(d["text"]))["signature_sim1.0"]}
            for d in corpus]  # no text at all: the signatures must be what is read
    path = tmp_path / "signatures.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    stats = run_dedup(spark, [str(path)], str(tmp_path / "out"), DedupOptions(thresholds=(0.8, 0.9)), progress=False)
    assert stats["documents"] == len(corpus)
    assert assignments(tmp_path / "out") == assignments(root / "out")


def test_exact_mode_and_its_representative(spark, tmp_path):
    text = "The council opens the new library next month. " * 5
    rows = [
        {"id": "b", "text": text, "crawl": "CC-MAIN-2023-50", "url": "https://a.example/1"},
        {"id": "c", "text": text.upper().replace(".", " !"), "crawl": "CC-MAIN-2024-10", "url": "https://b.example/2"},
        {"id": "a", "text": text, "crawl": None, "url": "https://c.example/3"},
        {"id": "d", "text": text, "crawl": "CC-MAIN-2024-10", "url": "https://d.example/4"},
        {"id": "e", "text": "Something else entirely.", "crawl": "CC-MAIN-2024-10", "url": "https://e.example/5"},
        *({"id": name, "text": text, "crawl": None, "url": None} for name, text in (("f", ""), ("g", "  \n "),
                                                                                    ("h", "!!!"), ("i", "!!!"))),
    ]
    path = tmp_path / "docs.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    stats = run_dedup(spark, [str(path)], str(tmp_path / "newest"), DedupOptions(mode="exact"), progress=False)
    # newest crawl first, then the smallest id: c and d are both from 2024-10, c wins
    assert assignments(tmp_path / "newest") == {"a": ("c", True), "b": ("c", True), "c": ("c", False),
                                                "d": ("c", True), "e": (None, False),
                                                **{name: (None, False) for name in "fghi"}}  # texts of nothing
    assert (stats["clusters"], stats["duplicates"], stats["cluster_sizes"]) == (1, 3, {"4": 1})
    assert not (tmp_path / "newest" / "_lock.json").exists()  # claimed twice (clusters, then units), released once
    run_dedup(spark, [str(path)], str(tmp_path / "oldest"), DedupOptions(mode="exact", prefer="oldest"),
              progress=False)
    assert assignments(tmp_path / "oldest")["b"] == ("a", True)  # no crawl counts as the oldest of all


def test_url_mode_matches_the_same_page_across_crawls(spark, tmp_path):
    rows = [
        {"id": "1", "url": "https://www.example.com/news?id=7&utm_source=feed", "crawl": "CC-MAIN-2023-06"},
        {"id": "2", "url": "http://example.com/news?id=7", "crawl": "CC-MAIN-2024-10"},
        {"id": "3", "url": "http://example.com/news?id=8", "crawl": "CC-MAIN-2024-10"},
        {"id": "4", "url": None, "crawl": "CC-MAIN-2024-10"},
    ]
    path = tmp_path / "docs.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    run_dedup(spark, [str(path)], str(tmp_path / "out"), DedupOptions(mode="url"), progress=False)
    assert assignments(tmp_path / "out") == {"1": ("2", True), "2": ("2", False), "3": (None, False),
                                             "4": (None, False)}


def test_digest_mode_on_the_same_wet_record_in_two_crawls(spark, shared_data, tmp_path):
    from pipeline.readers.langid import default_lid_model
    from pipeline.readers.warc.documents import IngestOptions
    from pipeline.stages.ingest import run_ingest

    copies = []
    for crawl in ("CC-MAIN-2024-22", "CC-MAIN-2023-50"):
        copy = tmp_path / f"{crawl}-00000.warc.wet.gz"
        shutil.copy(shared_data / "cc" / "whirlwind.warc.wet.gz", copy)
        copies.append(str(copy))
    run_ingest(spark, copies, str(tmp_path / "docs"), IngestOptions(), default_lid_model(), progress=False)
    stats = run_dedup(spark, [str(p) for p in sorted((tmp_path / "docs").glob("part-*.parquet"))],
                      str(tmp_path / "out"), DedupOptions(mode="digest"), progress=False)
    rows = pq.read_table(tmp_path / "out").to_pylist()
    assert stats["duplicates"] == 1 and len(rows) == 2
    [kept] = [row for row in rows if not row["is_duplicate"]]
    assert kept["crawl"] == "CC-MAIN-2024-22" and {row["dup_cluster"] for row in rows} == {kept["id"]}


def test_boilerplate_shared_by_many_pages_does_not_explode_or_merge(spark, tmp_path):
    rng_corpus = near_duplicate_corpus(CorpusShape(families=0, unrelated=1201, words=300, seed=5))
    boilerplate = rng_corpus[0]["text"] + " " + rng_corpus[1]["text"]  # ~600 words on every page
    documents = [{"id": d["id"], "text": boilerplate + " " + d["text"]} for d in rng_corpus[2:]]
    inputs = write_parts(documents, tmp_path / "in", 2)
    stats = run_dedup(spark, inputs, str(tmp_path / "out"), DedupOptions(), progress=False)
    # pages share the boilerplate's buckets, yet each bucket pairs a page with its first members only, not all
    assert stats["candidate_pairs"] <= 21 * BUCKET_HEADS * len(documents)
    assert stats["candidate_pairs"] > len(documents) / 10
    assert stats["partial_buckets"] > 0
    # each page is about 600 shared + 300 own words: Jaccard about 0.5, well below the threshold
    assert stats["duplicates"] == 0
    plain = run_dedup(spark, inputs, str(tmp_path / "plain"), DedupOptions(verify="none"), progress=False)
    assert plain["candidate_pairs"] <= 9 * len(documents)
    assert plain["duplicates"] > 0  # RedPajama-V2's bands alone merge pages that only share boilerplate


def test_a_pair_is_found_when_the_bucket_they_share_starts_with_a_third_unlike_both(spark, tmp_path):
    """A and B agree on 108 of 128 values (0.84); C on 78 with each (0.61). The one band A and B share, C shares
    too, and C comes first in its bucket: pairing members with the first alone would never compare A with B."""
    from pyspark.sql import functions as F

    ranked = spark.createDataFrame([(name,) for name in "xyz"], "id string").orderBy(F.xxhash64("id")).collect()
    c, a, b = (row["id"] for row in ranked)  # the bucket's order: the smallest hash of the id first
    base = np.random.default_rng(5).integers(0, 2**32, 128, dtype=np.uint64).astype(np.uint32)
    changed = {a: [6 * band for band in range(10)], b: [6 * band for band in range(10, 20)],
               c: [6 * band + step for band in range(20) for step in (1, 2)]}  # bands of 6 values: 0 to 19 differ
    rows = []
    for name, positions in changed.items():
        signature = base.copy()
        signature[positions] += 1
        rows.append({"id": name, "signature_sim1.0": [signature.astype(">u4").tobytes()]})
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "sigs.parquet")
    stats = run_dedup(spark, [str(tmp_path / "sigs.parquet")], str(tmp_path / "out"), progress=False)
    representative = min(a, b)
    assert assignments(tmp_path / "out") == {representative: (representative, False), max(a, b): (representative, True),
                                             c: (None, False)}
    assert stats["partial_buckets"] == 0


def test_an_input_without_text_is_named(spark, tmp_path):
    bad = tmp_path / "notes.jsonl"
    bad.write_text('{"id": "a", "body": "no text column"}\n')
    with pytest.raises(StageFailed, match=r"notes\.jsonl: no `text` column"):
        run_dedup(spark, [str(bad)], str(tmp_path / "out"), progress=False)
    assert not (tmp_path / "out" / "_lock.json").exists()  # released on failure: the corrected run may go there


def test_a_column_the_mode_reads_is_checked_before_spark_starts(shared_data, tmp_path, capsys):
    """From the Parquet footer or the first JSON line, on the driver: no Spark task fails on it with a stack
    trace, and nothing is written."""
    dolma = shared_data / "cc" / "dolma-cc_en_head-0091.jsonl.gz"  # documents without `url`, `meta` or `digest`
    pq.write_table(pa.table({"id": ["a"], "body": ["no text column"]}), tmp_path / "ids.parquet")
    for inputs, mode, said in (
        ([dolma], "url", f"{dolma}: no `url` column (has: added, created, id, metadata, source, text); "
                         "--mode url reads it"),
        ([dolma], "digest", f"{dolma}: no `digest` column and no `meta` map"),
        ([dolma, tmp_path / "ids.parquet"], "fuzzy", f"{tmp_path / 'ids.parquet'}: no `text` column (has: id, body)"),
    ):
        assert main(["dedup", *map(str, inputs), "--mode", mode, "--output", str(tmp_path / "out")]) == 2
        assert f"curate dedup: error: {said}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_option_of_fuzzy_dedup_is_refused_in_another_mode(tmp_path, capsys):
    for option, named in ((["--threshold", "0.9"], "--threshold"), (["--verify", "exact"], "--verify/--no-verify"),
                          (["--no-verify"], "--verify/--no-verify")):
        assert main(["dedup", str(tmp_path), "--mode", "exact", *option, "--output", str(tmp_path / "out")]) == 2
        assert f"{named} applies to --mode fuzzy only, not to --mode exact" in capsys.readouterr().err
    # and the reverse: a fuzzy cluster's representative is its smallest id, whatever the crawl
    assert main(["dedup", str(tmp_path), "--prefer", "oldest", "--output", str(tmp_path / "out")]) == 2
    assert "--prefer applies to --mode exact, digest and url only, not to --mode fuzzy" in capsys.readouterr().err


def test_verifying_on_the_text_needs_the_text_even_with_signatures_given(tmp_path, capsys):
    path = tmp_path / "sigs.parquet"
    pq.write_table(pa.Table.from_pylist([{"id": "a", "signature_sim1.0": [bytes(512)]}]), path)
    assert main(["dedup", str(path), "--verify", "exact", "--output", str(tmp_path / "out")]) == 2
    assert f"{path}: no `text` column (has: id, signature_sim1.0); --verify exact reads it" in capsys.readouterr().err


def test_a_malformed_signature_is_named(spark, tmp_path):
    rows = [{"id": "a", "signature_sim1.0": [bytes(512)]}, {"id": "b", "signature_sim1.0": [bytes(52)] * 2}]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "sigs.parquet")
    with pytest.raises(StageFailed, match=r"sigs\.parquet: row 2: signature_sim1\.0 holds 26 values, not 128"):
        run_dedup(spark, [str(tmp_path / "sigs.parquet")], str(tmp_path / "out"), progress=False)


def test_a_row_without_an_id_is_named_by_its_line_in_one_line(tmp_path):
    """A bad row is found in a Spark task, yet the user sees one line naming the file and the line (from 1, as
    an editor counts them, blank lines included), not the task's Python and Java stack traces."""
    path = tmp_path / "docs.jsonl"
    path.write_text('{"id": "a", "text": "one"}\n\n{"id": "b", "text": "two"}\n{"id": null, "text": "three"}\n')
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "dedup", str(path), "--mode", "exact", "--output",
                           str(tmp_path / "out"), "--master", "local[1]", "--quiet"], capture_output=True, text=True)
    assert done.returncode == 2
    assert f"curate dedup: error: an input cannot be read as documents: {path}: line 4 has no id\n" in done.stderr
    assert "Traceback" not in done.stderr and "\tat org.apache" not in done.stderr


def test_a_dedup_whose_every_input_fails_exits_2_and_one_of_empty_inputs_0(spark, tmp_path, capsys):
    """The exit rule of ingest and signals: dedup marks and never drops, so a job whose inputs all fail is one
    whose inputs are all refused (dedup fails on any unreadable input), found here in Spark tasks; inputs that
    hold no document fail nothing."""
    bad = [tmp_path / f"bad-{n}.jsonl" for n in range(2)]
    for path in bad:
        path.write_text('{"id": "a", "text": "one"}\n{"id": null, "text": "two"}\n')
    assert main(["dedup", *map(str, bad), "--mode", "exact", "--output", str(tmp_path / "out"), "--quiet"]) == 2
    said = capsys.readouterr().err  # one line, naming the first bad input found
    assert said in {f"curate dedup: error: an input cannot be read as documents: {path}: line 2 has no id\n"
                    for path in bad}
    assert not (tmp_path / "out" / "_stats.json").exists()
    (tmp_path / "empty.jsonl").write_text("\n")
    assert main(["dedup", str(tmp_path / "empty.jsonl"), "--mode", "exact", "--output", str(tmp_path / "none"),
                 "--quiet"]) == 0
    assert json.loads((tmp_path / "none" / "_stats.json").read_text())["read"] == 0


def test_a_rerun_in_another_mode_replaces_the_columns_of_every_threshold(spark, fuzzy_run, tmp_path):
    root, _, _ = fuzzy_run
    parts = [str(path) for path in sorted((root / "out").glob("part-*.parquet"))]
    run_dedup(spark, parts, str(tmp_path / "out"), DedupOptions(mode="exact"), progress=False)
    assert pq.read_table(tmp_path / "out").column_names == ["id", "text", "dup_cluster", "is_duplicate"]


def test_cluster_sizes_are_printed_smallest_first(capsys):
    stats = {"documents": 40, "by_threshold": {"exact": {"clusters": 3, "duplicates": 21, "cluster_sizes":
                                                         dict(sorted(size_histogram({2: 1, 10: 1, 12: 1}).items()))}}}
    print_clusters(stats)  # _stats.json holds the sizes sorted as text
    assert capsys.readouterr().out.endswith("clusters by size: 2: 1, 10: 1, 11-100: 1\n")


def test_cluster_size_histogram_bins():
    assert size_histogram({2: 5, 3: 1, 10: 2, 11: 1, 100: 4, 101: 1, 5000: 2}) == {
        "2": 5, "3": 1, "10": 2, "11-100": 5, "101-1000": 1, "1001-10000": 2}


def test_options_are_checked():
    with pytest.raises(ValueError, match="RedPajama-V2 bands exist only"):
        DedupOptions(thresholds=(0.85,), verify="none")
    with pytest.raises(ValueError, match="--mode"):
        DedupOptions(mode="semantic")


def test_curate_dedup_command(spark, tmp_path, capsys):
    now = datetime(2024, 3, 1, tzinfo=UTC).isoformat()
    rows = [{"id": f"d{i}", "text": "same words here " * 10, "date": now} for i in range(3)]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "docs.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    command = ["dedup", str(tmp_path / "in"), "--mode", "exact", "--output", str(tmp_path / "out"), "--quiet"]
    assert main(command) == 0
    printed = capsys.readouterr().out
    assert "exact: 1 clusters, 2 duplicates of 3 documents" in printed
    assert main(command) == 0  # as every stage: a complete output says so and prints its books again
    again = capsys.readouterr()
    assert f"{tmp_path / 'out'} is already complete; nothing to do" in again.err and again.out == printed
    assert main(["dedup", str(tmp_path / "in" / "docs.jsonl"), "--output", str(tmp_path / "out"), "--quiet"]) == 2
    assert ("holds the output of a curate dedup job with other options (its _job.json differs in mode, prefer, "
            "thresholds, verify)") in capsys.readouterr().err


def test_verified_pairs_are_printed_in_threshold_order(spark, tmp_path, capsys):
    words = " ".join(f"word{i}" for i in range(60))
    rows = [{"id": "a", "text": words}, {"id": "b", "text": words}, {"id": "c", "text": words + " and more"}]
    (tmp_path / "docs.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    assert main(["dedup", str(tmp_path / "docs.jsonl"), "--threshold", "0.9,0.7,0.8", "--output",
                 str(tmp_path / "out")]) == 0
    stats = json.loads((tmp_path / "out" / "_stats.json").read_text())
    counts = ", ".join(f"{t}: {stats['verified_pairs'][t]:,}" for t in ("0.7", "0.8", "0.9"))
    assert f"dedup: verified pairs at {counts} (" in capsys.readouterr().err


def test_exact_jaccard_verification_keeps_only_true_edges(spark, fuzzy_run, corpus, tmp_path):
    from tests.helpers.near_duplicates import shingle_sets

    _, inputs, _ = fuzzy_run
    stats = run_dedup(spark, inputs, str(tmp_path / "out"), DedupOptions(verify="exact"), progress=False)
    assert stats["duplicates"] > 0
    sets = dict(zip((d["id"] for d in corpus), shingle_sets([d["text"] for d in corpus]), strict=True))
    clusters: dict[str, list[str]] = {}
    for doc, (cluster, _) in assignments(tmp_path / "out").items():
        if cluster is not None:
            clusters.setdefault(cluster, []).append(doc)
    for members in clusters.values():  # every member reaches the threshold with another member
        for doc in members:
            assert any(len(sets[doc] & sets[other]) / len(sets[doc] | sets[other]) >= 0.8
                       for other in members if other != doc), doc


def manifest_rows(out) -> pa.Table:
    """The output's rows in the order of its manifest (the order of the units: inputs, then slices)."""
    files = json.loads((out / "_manifest.json").read_text())["files"]
    return pa.concat_tables(pq.read_table(out / entry["file"]) for entry in files)


def test_one_file_in_slices_gives_the_rows_of_one_unit_and_resumes_per_slice(spark, corpus, tmp_path):
    path = tmp_path / "one.parquet"
    pq.write_table(pa.Table.from_pylist([{"id": d["id"], "text": d["text"]} for d in corpus]), path,
                   row_group_size=60)
    groups = pq.ParquetFile(path).metadata.num_row_groups
    whole = run_dedup(spark, [str(path)], str(tmp_path / "whole"), progress=False)
    sliced = run_dedup(spark, [str(path)], str(tmp_path / "sliced"), progress=False, slice_bytes=1)
    assert len(list((tmp_path / "sliced" / "_units").iterdir())) == groups > 1
    assert manifest_rows(tmp_path / "sliced") == manifest_rows(tmp_path / "whole")
    assert sliced["inputs"] == whole["inputs"] == {"files": 1, "skipped": []}
    assert {k: sliced[k] for k in ("read", "kept", "clusters", "duplicates")} == \
        {k: whole[k] for k in ("read", "kept", "clusters", "duplicates")}
    # a lost slice is redone alone
    out = tmp_path / "sliced"
    (out / "_SUCCESS").unlink()
    units = sorted((out / "_units").iterdir())
    lost = units[len(units) // 2]
    (out / json.loads(lost.read_text())["files"][0]["file"]).unlink()
    lost.unlink()
    kept = {unit: unit.stat().st_mtime_ns for unit in units if unit != lost}
    run_dedup(spark, [str(path)], str(out), progress=False, slice_bytes=1)
    assert {unit: unit.stat().st_mtime_ns for unit in kept} == kept
    assert manifest_rows(out) == manifest_rows(tmp_path / "whole")


def test_an_input_that_breaks_a_worker_is_skipped_with_on_error_skip(spark, corpus, tmp_path):
    good = write_parts(corpus, tmp_path / "in", 1)
    broken = tmp_path / "in" / "broken.parquet"
    broken_parquet(broken)
    with pytest.raises(StageFailed, match=r"broken\.parquet: cannot be read as documents"):
        run_dedup(spark, [*good, str(broken)], str(tmp_path / "out"), progress=False)
    stats = run_dedup(spark, [*good, str(broken)], str(tmp_path / "skip"), progress=False, on_error="skip")
    alone = run_dedup(spark, good, str(tmp_path / "alone"), progress=False)
    assert stats["inputs"] == {"files": 2, "skipped": [str(broken)]}
    assert (stats["read"], stats["kept"], stats["errors"]) == (len(corpus) + 1, len(corpus), {"bad_input_input": 1})
    assert stats["by_threshold"] == alone["by_threshold"]
    assert manifest_rows(tmp_path / "skip") == manifest_rows(tmp_path / "alone")
