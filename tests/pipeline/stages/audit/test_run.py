"""`curate audit DIR` on a real chain (crawl -> documents -> signals -> dedup -> subset) and on copies of it damaged
in each way the audit must catch: it names the stage and the file, and a clean chain passes."""

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.cli.main import main
from pipeline.demo.warc_writer import write_warc
from pipeline.stages.audit.report import FAILED
from pipeline.stages.audit.run import run_audit
from tests.helpers.chain import build_chain, copy_chain
from tests.helpers.translations import run_translations


@pytest.fixture(scope="module")
def chain(spark, tmp_path_factory) -> Path:
    return build_chain(spark, tmp_path_factory.mktemp("audit") / "chain")


@pytest.fixture
def damaged(chain, tmp_path) -> Path:
    """A copy of the chain to damage."""
    return copy_chain(chain, tmp_path / "chain")


def manifest(folder: Path) -> list[dict]:
    return json.loads((folder / "_manifest.json").read_text())["files"]


def failures(report, stage: str, file: str) -> list[str]:
    """The messages of the report's problems that name the stage and the file."""
    return [problem.message for problem in report.problems if problem.stage == stage and problem.file == file]


def shard(chain: Path) -> str:
    """The subset's first data file, as its manifest names it."""
    return manifest(chain / "subset")[0]["file"]


def rewrite(path: Path, change) -> list[dict]:
    """Rewrite a Parquet file with `change(rows)` applied; the rows as they were."""
    table = pq.read_table(path)
    rows = table.to_pylist()
    pq.write_table(pa.Table.from_pylist(change([dict(row) for row in rows]), table.schema), path)
    return rows


def test_a_clean_chain_passes_with_its_rows_checked(spark, chain, capsys):
    report = run_audit(spark, str(chain))
    assert report.passed and report.exit_status == 0, str(report)
    assert [line.split()[0] for line in report.outputs] == ["ingest", "signals", "dedup", "subset"]
    subset = json.loads((chain / "subset" / "_stats.json").read_text())
    # the chain removed something by each means the audit balances: an exclusion list, a rule, the duplicates
    assert subset["exclude"][0]["removed"] == 1 and subset["dropped"]["repetition"] and subset["dropped"]["dedup"]
    assert main(["audit", str(chain), "--books-only"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("audit passed")


def test_a_part_file_removed(damaged, capsys):
    part = manifest(damaged / "signals")[0]["file"]
    (damaged / "signals" / part).unlink()
    report = run_audit(None, str(damaged))
    assert report.exit_status == FAILED
    assert failures(report, "signals", part) == ["listed in _manifest.json but missing"]
    assert main(["audit", str(damaged), "--books-only"]) == FAILED
    printed = capsys.readouterr().out
    assert f"FAIL signals {damaged / 'signals'}: {part}: listed in _manifest.json but missing" in printed


def test_a_row_deleted_from_a_subset_shard(damaged):
    name = shard(damaged)
    rows = rewrite(damaged / "subset" / name, lambda rows: rows[:-1])
    messages = failures(run_audit(None, str(damaged)), "subset", name)
    assert f"{len(rows) - 1} rows, _manifest.json records {len(rows)}" in messages


def test_a_row_changed_in_a_subset_shard(spark, damaged):
    name = shard(damaged)

    def changed(rows):
        rows[0]["text"] += " (edited)"
        return rows

    rows = rewrite(damaged / "subset" / name, changed)
    messages = failures(run_audit(spark, str(damaged)), "subset", name)
    assert any(f"id {rows[0]['id']!r} has another text than in its input" in message for message in messages)


def test_an_id_twice(spark, damaged):
    name = manifest(damaged / "dedup")[0]["file"]

    def doubled(rows):
        rows[1]["id"] = rows[0]["id"]
        return rows

    rows = rewrite(damaged / "dedup" / name, doubled)
    messages = failures(run_audit(spark, str(damaged)), "dedup", name)
    assert f"id {rows[0]['id']!r} occurs 2 times" in messages


def test_a_subset_whose_stats_were_edited(damaged):
    stats_file = damaged / "subset" / "_stats.json"
    stats = json.loads(stats_file.read_text())
    stats["read"] += 1  # one document more read and removed by the rule: balanced, but not what came in
    stats["dropped"]["repetition"] += 1
    stats_file.write_text(json.dumps(stats))
    inputs = sum(entry["rows"] for entry in manifest(damaged / "dedup"))
    messages = failures(run_audit(None, str(damaged)), "subset", "_stats.json")
    assert messages == [f"read {stats['read']} rows, its inputs hold {inputs} ({damaged / 'dedup'})"]


def test_an_input_replaced(damaged):
    crawl = sorted((damaged / "crawl").glob("*.warc.gz"))
    write_warc(str(crawl[0]), [])  # a crawl file made again, empty
    part = damaged / "dedup" / manifest(damaged / "dedup")[0]["file"]
    rewrite(part, lambda rows: rows)  # the same rows written again: another file the subset did not read
    report = run_audit(None, str(damaged))
    assert failures(report, "ingest", str(crawl[0])) == [
        "an input of this output is changed (size or modification time) since it was made: rerun the stage"]
    assert failures(report, "subset", str(part))
    assert not failures(report, "ingest", str(crawl[1]))


def test_a_data_file_the_manifest_does_not_list(damaged):
    part = damaged / "signals" / manifest(damaged / "signals")[0]["file"]
    (damaged / "signals" / "part-stray.parquet").write_bytes(part.read_bytes())
    messages = failures(run_audit(None, str(damaged)), "signals", "part-stray.parquet")
    assert messages == ["a data file _manifest.json does not list (readers of the folder read it)"]


def test_rows_of_a_translation_are_keyed_by_their_language(spark, chain, tmp_path):
    """(id, target_language) is the key of a translation's rows, whose text is not compared with the source's:
    one id under two languages passes, one id twice under one language does not."""
    copy = copy_chain(chain, tmp_path / "chain")
    run_translations(spark, copy / "dedup", copy / "translated", "de")
    part = copy / "translated" / manifest(copy / "translated")[0]["file"]

    def relabelled(language):
        def change(rows):
            rows[1].update(id=rows[0]["id"], target_language=language)
            return rows
        return change

    rows = rewrite(part, relabelled("fr"))
    report = run_audit(spark, str(copy))
    assert not [problem for problem in report.problems if "occurs" in problem.message], str(report)
    pq.write_table(pa.Table.from_pylist(rows, pq.read_schema(part)), part)
    rewrite(part, relabelled(rows[0]["target_language"]))
    messages = failures(run_audit(spark, str(copy)), "translate", part.name)
    assert f"id {rows[0]['id']!r}, target_language {rows[0]['target_language']!r} occurs 2 times" in messages
