"""`curate demo` end to end: the crawl through ingest, signals and dedup, which marks the planted duplicates; the
same command again runs nothing."""

import json

import pyarrow.parquet as pq
import pytest

from dedup.lsh import jaccard
from pipeline.demo.crawl import LANGUAGES, planted_copies
from pipeline.demo.run import run_demo
from signals.text import normalize
from tests.helpers.output_files import written_times


@pytest.fixture(scope="module")
def demo(spark, tmp_path_factory):
    """The demo run as `make demo` runs it: into demo-out/ of the working directory."""
    root = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        run_demo(lambda: spark, "demo-out", progress=False)
    return root / "demo-out"


def same_cluster(a: dict, b: dict) -> bool:
    return a["dup_cluster"] is not None and a["dup_cluster"] == b["dup_cluster"]


def test_dedup_marks_the_planted_duplicates(demo, capsys):
    rows = pq.read_table(demo / "dedup").to_pylist()
    assert len(rows) == len(pq.read_table(demo / "documents"))
    pairs = planted_copies(rows)
    assert len(pairs["dup-exact"]) >= 5 and len(pairs["dup-near"]) >= 10
    for copy, original in pairs["dup-exact"]:
        assert same_cluster(copy, original)
        assert sum(not row["is_duplicate"] for row in (copy, original)) == 1
    near = [(copy, original, jaccard(normalize(copy["text"]), normalize(original["text"])))
            for copy, original in pairs["dup-near"]]
    assert any(similarity >= 0.85 for *_, similarity in near)
    for copy, original, similarity in near:
        if similarity >= 0.85:
            assert same_cluster(copy, original), (copy["url"], similarity)
        if similarity < 0.5:
            assert not same_cluster(copy, original), (copy["url"], similarity)


def test_nothing_else_is_marked(demo):
    rows = pq.read_table(demo / "dedup").to_pylist()
    copied = {original["url"] for pairs in planted_copies(rows).values() for _, original in pairs}
    for row in rows:
        if row["url"].split("/")[3] in LANGUAGES and row["url"] not in copied:
            assert row["dup_cluster"] is None, row["url"]
    # whatever else is marked is a true near-duplicate (two spam pages repeating one line are the same text)
    by_id = {row["id"]: row for row in rows}
    for row in rows:
        if row["is_duplicate"]:
            representative = by_id[row["dup_cluster"]]
            assert jaccard(normalize(row["text"]), normalize(representative["text"])) >= 0.5, row["url"]


def test_the_demo_ends_with_a_subset_its_card_and_its_report(demo):
    deduped = pq.read_table(demo / "dedup").to_pylist()
    stats = json.loads((demo / "subset" / "_stats.json").read_text())
    # dedup is the recipe's first check: every document curate dedup marked is removed under it
    assert stats["dropped"]["dedup"] == sum(bool(row["is_duplicate"]) for row in deduped)
    kept = [row for path in sorted((demo / "subset" / "data" / "default").glob("train-*.parquet"))
            for row in pq.read_table(path).to_pylist()]
    assert len(kept) == stats["kept"] > 0
    assert not any("/spam/" in row["url"] for row in kept)  # the repetitive pages fail the repetition rule
    card = (demo / "subset" / "README.md").read_text()
    assert "pretty_name: curate demo subset" in card
    # the recipe in the card (curate publish uploads it) has the paths as written, not this machine's folders
    assert "path: dedup" in card and "path: subset" in card  # relative to demo-out/pipeline.yaml, as the recipe
    assert str(demo.parent) not in card
    # the recipe lists dedup after its filter; the card's table and its explanation put it first, as counted
    assert card.index("| `dedup` |") < card.index("| `repetition` |")
    assert "then dedup, then the filters in recipe order" in card
    report = (demo / "subset" / "report.html").read_text()
    assert "<svg" in report
    # no --artifacts in the demo: a note on the stop-word fraction instead of an empty chart
    assert 'aria-label="Stop-word fraction"' not in report
    assert f"<code>rps_doc_stop_word_fraction</code> is null in all {stats['read']:,} documents" in report


def test_the_demo_subset_loads_with_datasets(demo, tmp_path, monkeypatch):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    # a cache of its own: datasets reads HF_HOME once, on import, and keys a folder's cache on its name, so the
    # default cache would serve an earlier run's subset
    loaded = datasets.load_dataset(str(demo / "subset"), split="train", cache_dir=str(tmp_path / "hf"))
    shards = pq.read_table(demo / "subset" / "data" / "default")
    assert loaded.num_rows == shards.num_rows == json.loads((demo / "subset" / "_stats.json").read_text())["kept"]
    assert loaded.column_names == shards.column_names and "meta" in loaded.column_names
    assert [shards.schema.field(name).nullable for name in ("id", "text", "url")] == [False, False, True]
    documents = {row["id"]: row["meta"] for row in pq.read_table(demo / "documents").to_pylist()}
    # the map column is written as JSON text: the same keys and values as the documents' meta
    assert all(json.loads(row["meta"]) == dict(documents[row["id"]]) for row in loaded)


def test_the_demo_again_runs_nothing_and_keeps_an_edited_pipeline(demo, capsys):
    pipeline = demo / "pipeline.yaml"
    pipeline.write_text(pipeline.read_text() + "# edited\n")
    before = written_times(demo)

    def no_spark():
        raise AssertionError("Spark started: something ran")

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(demo.parent)
        run_demo(no_spark, "demo-out", progress=False)
    assert written_times(demo) == before
    assert pipeline.read_text().endswith("# edited\n")
    assert "planted dup-exact copies marked as duplicates of their originals" in capsys.readouterr().out
