"""`curate subset` on real documents with their signals: exactly the documents the rules describe, as a dataset."""

import hashlib
import json
import os
import re
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from filters.evaluate import evaluate
from filters.kinds import compile_rule
from filters.nodes import columns_of
from licenses.spdx import tier
from pipeline.cli.main import main
from pipeline.readers.documents import SLICE_BYTES
from pipeline.spark.session import session_conf
from pipeline.stages.subset.card import escape
from pipeline.stages.subset.plan import plan_subset
from pipeline.stages.subset.run import explain, run_subset
from recipes.loader import RecipeError, parse_recipe

RULES = {
    "word_count": "rps_doc_word_count BETWEEN 50 AND 100000",
    "repetition": "rps_doc_frac_chars_top_2gram <= 0.2 OR rps_doc_frac_chars_dupe_10grams <= 0.1",
    "no_curly": "rps_doc_curly_bracket = 0 OR rps_doc_curly_bracket IS NULL",
    "stop_words": "rps_doc_stop_word_fraction >= 0.25",
}
LINE_RULES = {"words": "rps_lines_num_words >= 4", "no_js": "rps_lines_javascript_counts = 0"}


@pytest.fixture(scope="module")
def signals(parity_signals):
    """The parity documents (real web pages) with their signals (tests/pipeline/conftest.py, made once)."""
    return parity_signals


def recipe_text(signals, output, filters=RULES, extra: str = "") -> str:
    rules = "".join(f"  {name}: \"{rule}\"\n" for name, rule in filters.items())
    return (f"name: test-subset\ninputs:\n  - path: {signals}\nfilters:\n{rules}{extra}"
            f"output:\n  path: {output}\n  shard_size: 50KB\ncard:\n  license: odc-by\n")


def rows_of(directory) -> list[dict]:
    return [row for path in sorted(directory.glob("*.parquet")) for row in pq.read_table(path).to_pylist()]


def expected_books(rows: list[dict], filters: dict[str, str], columns) -> tuple[dict, dict]:
    """Per row, the first rule it fails, by the pure evaluator (an implementation apart from Spark's)."""
    nodes = {name: compile_rule(rule, columns) for name, rule in filters.items()}
    first_failed = {}
    for row in rows:
        failed = next((name for name, node in nodes.items() if evaluate(node, row) is not True), None)
        first_failed[row["id"]] = failed
    dropped = {}
    for reason in first_failed.values():
        if reason:
            dropped[reason] = dropped.get(reason, 0) + 1
    return first_failed, dropped


def test_subset_keeps_exactly_what_the_rules_describe(spark, signals, tmp_path):
    out = tmp_path / "out"
    loaded = parse_recipe(recipe_text(signals, out), "test.yaml")
    stats = run_subset(spark, plan_subset(loaded), overwrite=False)
    source = rows_of(signals)
    first_failed, dropped = expected_books(source, RULES, set(source[0]))
    kept_ids = sorted(i for i, reason in first_failed.items() if reason is None)
    assert 0 < len(kept_ids) < len(source)
    shards = sorted((out / "data" / "default").glob("train-*-of-*.parquet"))
    written = [row for shard in shards for row in pq.read_table(shard).to_pylist()]
    assert sorted(row["id"] for row in written) == kept_ids
    by_id = {row["id"]: row for row in source}
    assert all(row["text"] == by_id[row["id"]]["text"] for row in written)
    assert set(written[0]) == {"id", "text", "language"}  # document columns only, no signals, by default
    assert stats["read"] == len(source) and stats["kept"] == len(kept_ids)
    assert {k: v for k, v in stats["dropped"].items() if v} == dropped
    assert list(stats["dropped"]) == list(RULES)  # every rule, in recipe order, those that removed nothing too
    assert stats["chars_kept"] == sum(len(row["text"]) for row in written)
    assert json.loads((out / "_stats.json").read_text())["kept"] == len(kept_ids)
    assert len(shards) > 1 and shards[0].name.endswith(f"-of-{len(shards):05d}.parquet")
    assert (out / "_SUCCESS").exists() and not (out / "_tmp").exists()


def test_removals_on_a_null_are_counted_per_rule_and_said(spark, signals, tmp_path, capsys):
    """A rule on a null value removes the document (SQL); the books say how many of its removals were that."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    table = pq.read_table(signals)
    column = table.column("rps_doc_stop_word_fraction").to_pylist()
    nulled = pa.array([None if i % 3 == 0 else value for i, value in enumerate(column)], pa.float64())
    table = table.set_column(table.schema.get_field_index("rps_doc_stop_word_fraction"), "rps_doc_stop_word_fraction",
                             nulled)
    pq.write_table(table, inputs / "part-00000.parquet")
    rows = table.to_pylist()
    nodes = {name: compile_rule(rule, set(rows[0])) for name, rule in RULES.items()}
    expected = Counter()
    for row in rows:
        failed = next((name for name, node in nodes.items() if evaluate(node, row) is not True), None)
        if failed and evaluate(nodes[failed], row) is None:
            expected[failed] += 1
    assert expected["stop_words"] > 0
    recipe = tmp_path / "r.yaml"
    recipe.write_text(recipe_text(inputs, tmp_path / "out"))
    assert main(["subset", str(recipe)]) == 0
    stats = json.loads((tmp_path / "out" / "_stats.json").read_text())
    assert stats["dropped_on_null"] == dict(expected)
    note = (f"`stop_words` removed {expected['stop_words']:,} of its {stats['dropped']['stop_words']:,} documents on a "
            "null value")
    assert note in capsys.readouterr().out
    assert note in (tmp_path / "out" / "README.md").read_text()
    from pipeline.stages.report.page import run_report

    page = Path(run_report(spark, str(tmp_path / "out"))).read_text()
    assert note.replace("`stop_words`", "<code>stop_words</code>") in page


def test_output_loads_with_datasets_and_has_a_card(spark, signals, tmp_path, monkeypatch):
    datasets = pytest.importorskip("datasets")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    out = tmp_path / "out"
    stats = run_subset(spark, plan_subset(parse_recipe(recipe_text(signals, out), "test.yaml")))
    # a cache of its own: datasets reads HF_HOME once, on import, and keys a folder's cache on its name
    loaded = datasets.load_dataset(str(out), split="train", cache_dir=str(tmp_path / "hf"))
    assert loaded.num_rows == stats["kept"]
    assert loaded.column_names == ["id", "text", "language"]
    # the document schema's nullability (docs/schema.md), though the inputs were JSON lines, nullable throughout
    schema = pq.read_schema(next((out / "data" / "default").glob("*.parquet")))
    assert [schema.field(name).nullable for name in loaded.column_names] == [False, False, True]
    card = (out / "README.md").read_text()
    front = card.split("---\n")[1]
    assert "license: odc-by" in front and "size_categories:\n- n<1K" in front
    assert "path: data/default/train-*.parquet" in front
    assert "rps_doc_word_count BETWEEN 50 AND 100000" in card  # the recipe itself


def test_line_filters_rebuild_the_text_from_kept_lines(spark, signals, tmp_path):
    out = tmp_path / "out"
    lines = "line_filters:\n" + "".join(f"  {name}: \"{rule}\"\n" for name, rule in LINE_RULES.items())
    loaded = parse_recipe(recipe_text(signals, out, {"word_count": RULES["word_count"]}, lines), "test.yaml")
    stats = run_subset(spark, plan_subset(loaded))
    nodes = [compile_rule(rule, {"rps_lines_num_words", "rps_lines_javascript_counts"}) for rule in LINE_RULES.values()]
    expected = {}
    for row in rows_of(signals):
        if not evaluate(compile_rule(RULES["word_count"], set(row)), row):
            continue
        kept = [span for index, span in enumerate(row["line_spans"])
                if all(evaluate(node, {"rps_lines_num_words": row["rps_lines_num_words"][index],
                                       "rps_lines_javascript_counts": row["rps_lines_javascript_counts"][index]})
                       for node in nodes)]
        if kept:
            expected[row["id"]] = "".join(row["text"][start:end] for start, end in kept)
    written = {row["id"]: row["text"] for row in rows_of(out / "data" / "default")}
    assert written == expected
    assert stats["dropped"].get("line_filters", 0) == stats["read"] - stats["kept"] - stats["dropped"]["word_count"]
    assert any(len(text) < len(row["text"]) for row in rows_of(signals) for i, text in written.items()
               if row["id"] == i)


def test_rerun_is_a_no_op_and_a_fresh_run_writes_the_same_bytes(spark, signals, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        run_subset(spark, plan_subset(parse_recipe(recipe_text(signals, out), "test.yaml")))
    before = {p.name: p.read_bytes() for p in (first / "data" / "default").iterdir()}
    run_subset(spark, plan_subset(parse_recipe(recipe_text(signals, first), "test.yaml")))
    assert {p.name: p.read_bytes() for p in (first / "data" / "default").iterdir()} == before
    assert {p.name: p.read_bytes() for p in (second / "data" / "default").iterdir()} == before


def test_a_rerun_after_an_input_changed_is_refused_and_overwrite_makes_it_again(spark, signals, tmp_path, capsys):
    """A complete subset answers for the inputs it was made from: rewritten ones are not taken for the same job."""
    inputs, out = tmp_path / "inputs", tmp_path / "out"
    inputs.mkdir()
    table = pq.read_table(signals)
    pq.write_table(table, inputs / "part-00000.parquet")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(recipe_text(inputs, out))
    assert main(["subset", str(recipe)]) == 0
    pq.write_table(table.slice(0, 100), inputs / "part-00000.parquet")
    capsys.readouterr()
    assert main(["subset", str(recipe)]) == 2
    assert (f"{out} was made from inputs that have changed since ({inputs / 'part-00000.parquet'}: size or "
            "modification time); use --overwrite to make it again") in capsys.readouterr().err
    assert main(["subset", str(recipe), "--overwrite"]) == 0
    assert json.loads((out / "_stats.json").read_text())["read"] == 100


def test_sample_takes_weighted_quotas_deterministically(spark, signals, tmp_path):
    sample = "sample:\n  max_docs: 40\n  seed: 7\n  by: language\n  weights: {en: 3, de: 1}\n"
    results = []
    for out in (tmp_path / "a", tmp_path / "b"):
        loaded = parse_recipe(recipe_text(signals, out, {}, sample), "test.yaml")
        stats = run_subset(spark, plan_subset(loaded))
        results.append(sorted((row["language"], row["id"]) for row in rows_of(out / "data" / "default")))
    languages = [language for language, _ in results[0]]
    assert languages.count("en") == 30 and languages.count("de") == 10
    assert results[0] == results[1]
    assert stats["dropped"] == {"sample": stats["read"] - 40}


def test_a_bad_rule_is_refused_by_line_before_any_work(signals, tmp_path):
    out = tmp_path / "out"
    text = recipe_text(signals, out, {**RULES, "typo": "rps_doc_wordcount > 3"})
    with pytest.raises(RecipeError) as caught:
        plan_subset(parse_recipe(text, "test.yaml"))
    assert str(caught.value).startswith("test.yaml:9: filters.typo: unknown column 'rps_doc_wordcount' "
                                        "(did you mean 'rps_doc_word_count'?)")
    unsafe = recipe_text(signals, out, {"evil": "reflect('java.lang.Runtime', 'getRuntime') IS NULL"})
    with pytest.raises(RecipeError, match="filters.evil: function 'reflect' is not allowed"):
        plan_subset(parse_recipe(unsafe, "test.yaml"))
    inside = recipe_text(signals, signals / "out")
    with pytest.raises(RecipeError, match="output.path: .* overlaps the input"):
        plan_subset(parse_recipe(inside, "test.yaml"))
    assert not os.path.exists(out)


def test_an_unreadable_parquet_input_is_named_at_the_inputs_line_before_any_work(signals, tmp_path):
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not a footer")
    text = recipe_text(signals, tmp_path / "out").replace("inputs:\n", f"inputs:\n  - path: {broken}\n", 1)
    with pytest.raises(RecipeError) as caught:
        plan_subset(parse_recipe(text, "test.yaml"))
    assert str(caught.value).startswith(f"test.yaml:2: inputs: cannot read {broken}: Parquet magic bytes not found")


@pytest.mark.parametrize(("change", "refused"), [
    ({"filters": {"typed": "language > 5"}}, "filters.typed: '>' mixes number and string values"),
    ({"filters": {"number": "rps_doc_word_count * 2"}}, "filters.number: a rule must be a true/false test"),
    ({"extra": "line_filters:\n  long: \"rps_doc_word_count > 3\"\n"},
     "line_filters.long: 'rps_doc_word_count' is a document-level column"),
    ({"extra": "sample: {max_docs: 5, by: langauge, weights: {en: 1}}\n"},
     "sample.by: unknown column 'langauge' (did you mean 'language'?)"),
])
def test_misfit_rules_and_names_are_refused_before_any_work(signals, tmp_path, change, refused):
    text = recipe_text(signals, tmp_path / "out", change.get("filters", RULES), change.get("extra", ""))
    with pytest.raises(RecipeError) as caught:
        plan_subset(parse_recipe(text, "test.yaml"))
    assert refused in str(caught.value) and str(caught.value).startswith("test.yaml:")


def test_a_dedup_key_other_than_the_mode_the_inputs_were_marked_in_is_refused(deduplicated, tmp_path):
    import shutil

    marked = tmp_path / "dedup"
    shutil.copytree(deduplicated, marked)
    (marked / "_job.json").write_text(json.dumps({"stage": "dedup", "inputs": [], "mode": "fuzzy"}))
    (marked / "_SUCCESS").touch()
    for dedup, refused in (("{exact: true}", "was marked by `curate dedup --mode fuzzy`; write `dedup: {fuzzy: true}`"),
                           ("{exact: true, fuzzy: true}", "choose one of fuzzy, exact")):
        for inputs in (marked, f"{marked}/*.parquet"):  # a glob of its files is marked as the folder is
            text = recipe_text(inputs, tmp_path / "out", extra=f"dedup: {dedup}\n")
            with pytest.raises(RecipeError, match=None) as caught:
                plan_subset(parse_recipe(text, "test.yaml"))
            assert refused in str(caught.value)
    plan_subset(parse_recipe(recipe_text(marked, tmp_path / "out", extra="dedup: {fuzzy: true}\n"), "test.yaml"))


def recipe_checks(recipe, columns) -> dict:
    """Rule name -> whether a row passes it, in the recipe's order, by the pure evaluator (apart from Spark's)."""
    checks = {}
    if recipe.dedup.drops("is_duplicate" in columns):
        checks["dedup"] = lambda row: row["is_duplicate"] is not True
    for name, node in ((name, compile_rule(rule, columns)) for name, rule in recipe.filters.items()):
        checks[name] = lambda row, node=node: evaluate(node, row) is True
    if recipe.line_filters:
        nodes = [compile_rule(rule, columns) for rule in recipe.line_filters.values()]

        def line_passes(row: dict, line: int) -> bool:
            return all(evaluate(node, {name: row[name][line] for name in columns_of(node)}) is True for node in nodes)

        checks["line_filters"] = lambda row: any(line_passes(row, line) for line in range(len(row["line_spans"])))
    return checks


def test_built_in_recipes_keep_exactly_what_their_rules_describe(spark, deduplicated, tmp_path):
    from recipes.loader import load_recipe
    from tests.helpers.paths import REPO

    source = rows_of(deduplicated)
    paths = sorted((REPO / "recipes").glob("*.yaml"))
    assert {path.stem for path in paths} >= {"gopher", "c4", "fineweb", "rpv2-example", "open-licensed",
                                             "olc-permissive"}
    # their rules need licences: the test below and tests/pipeline/stages/subset/test_attribution.py
    paths = [path for path in paths if path.stem not in ("open-licensed", "olc-permissive")]
    for path in paths:
        loaded = load_recipe(str(path))
        out = tmp_path / path.stem
        stats = run_subset(spark, plan_subset(loaded, str(out), [str(deduplicated)]))
        checks = recipe_checks(loaded.recipe, set(source[0]))
        first_failed = {row["id"]: next((name for name, passes in checks.items() if not passes(row)), None)
                        for row in source}
        kept = sorted(doc_id for doc_id, reason in first_failed.items() if reason is None)
        assert stats["read"] == len(source) and stats["kept"] == len(kept), path.name
        assert stats["kept"] + sum(stats["dropped"].values()) == stats["read"], path.name
        assert {k: v for k, v in stats["dropped"].items() if v} == dict(
            Counter(reason for reason in first_failed.values() if reason)), path.name
        assert sorted(row["id"] for row in rows_of(out / "data" / "default")) == kept, path.name
        columns = set(source[0])
        named = set().union(*(columns_of(compile_rule(rule, columns)) for rule in loaded.recipe.filters.values()))
        if all(any(row[name] is not None for row in source) for name in named):  # CCNet's are null without its models
            assert 0 < len(kept) < len(source), path.name


def test_the_open_licence_recipe_keeps_open_licences_only(spark, deduplicated, tmp_path):
    from recipes.loader import load_recipe
    from tests.helpers.paths import REPO

    licences = {"CC-BY-SA-4.0": True, "CC0-1.0": True, "MIT": True, "CC-BY-4.0": True,
                "CC-BY-NC-4.0": False, "CC-BY-NC-SA-4.0": False, "CC-BY-ND-4.0": False, "proprietary": False,
                None: False}
    rows = rows_of(deduplicated)[:2 * len(licences)]
    names = list(licences)
    for i, row in enumerate(rows):
        row["license"] = names[i % len(names)]
        row["license_tier"] = tier(row["license"])
        row["tdm_reserved"] = None
    (tmp_path / "in").mkdir()
    schema = pq.read_schema(next(deduplicated.glob("*.parquet")))
    for name, type_ in (("license", pa.string()), ("license_tier", pa.string()), ("tdm_reserved", pa.bool_())):
        if name not in schema.names:
            schema = schema.append(pa.field(name, type_))
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), tmp_path / "in" / "part-0.parquet")

    loaded = load_recipe(str(REPO / "recipes" / "open-licensed.yaml"))
    stats = run_subset(spark, plan_subset(loaded, str(tmp_path / "out"), [str(tmp_path / "in")]))

    kept = {row["id"] for row in rows_of(tmp_path / "out" / "data" / "default")}
    assert kept == {row["id"] for row in rows if licences[row["license"]] and not row["is_duplicate"]}
    duplicates = sum(row["is_duplicate"] for row in rows)
    assert duplicates and stats["dropped"] == {"dedup": duplicates, "open_licence": len(rows) - duplicates - len(kept),
                                               "tdm_not_reserved": 0}


@pytest.fixture(scope="module")
def split_signals(signals, tmp_path_factory):
    """The parity signals in three files of several row groups each, so that reads can be split many ways."""
    folder = tmp_path_factory.mktemp("split") / "signals"
    folder.mkdir()
    table = pa.concat_tables(pq.read_table(path) for path in sorted(signals.glob("*.parquet")))
    for index, start in enumerate(range(0, table.num_rows, 100)):
        pq.write_table(table.slice(start, 100), folder / f"part-{index}.parquet", row_group_size=25)
    return folder


def test_shards_are_the_same_bytes_however_the_session_splits_its_reads(spark, split_signals, tmp_path):
    other_splits = {"spark.sql.files.maxPartitionBytes": "20000", "spark.sql.files.minPartitionNum": "5",
                    "spark.sql.files.maxPartitionNum": "2", "spark.sql.files.openCostInBytes": "1000000",
                    "spark.sql.execution.arrow.maxRecordsPerBatch": "7"}
    written = []
    for name, conf in (("default", {}), ("other", other_splits)):
        out = tmp_path / name
        with session_conf(spark, conf):
            run_subset(spark, plan_subset(parse_recipe(recipe_text(split_signals, out), "test.yaml")))
        written.append({path.name: path.read_bytes() for path in (out / "data" / "default").iterdir()})
    assert len(written[0]) > 1
    assert written[0] == written[1]


def test_shards_hold_about_shard_size(spark, split_signals, tmp_path):
    out = tmp_path / "out"
    stats = run_subset(spark, plan_subset(parse_recipe(recipe_text(split_signals, out, {}), "test.yaml")))
    sizes = [path.stat().st_size for path in (out / "data" / "default").iterdir()]
    assert sum(pq.read_metadata(path).num_rows for path in (out / "data" / "default").iterdir()) == stats["kept"]
    assert max(sizes) <= 1.25 * 50_000  # the recipe's shard_size: 50KB, estimated from the inputs
    assert len(sizes) <= 2 * sum(sizes) / 50_000 + 1


@pytest.mark.parametrize("sample", [
    "sample:\n  max_docs: 40\n  seed: 3\n",
    "sample:\n  max_docs: 40\n  fraction: 0.5\n  seed: 7\n  by: language\n  weights: {en: 3, de: 1}\n",
])
def test_max_docs_writes_the_documents_the_first_pass_counted(spark, signals, tmp_path, sample):
    """The second pass keeps a `max_docs` sample by a cutoff: the same documents as the first pass's ranking."""
    from pyspark.sql import functions as F

    from pipeline.stages.subset.decisions import REASON, decisions, read_inputs

    out = tmp_path / "out"
    plan = plan_subset(parse_recipe(recipe_text(signals, out, {"word_count": RULES["word_count"]}, sample), "t.yaml"))
    run_subset(spark, plan)
    ranked = decisions(plan, read_inputs(spark, plan)).filter(F.col(REASON).isNull()).select("id").collect()
    assert 0 < len(ranked) <= 40
    assert sorted(row["id"] for row in rows_of(out / "data" / "default")) == sorted(row["id"] for row in ranked)


def test_an_output_holding_another_job_is_refused(signals, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "_job.json").write_text(json.dumps({"stage": "subset", "inputs": [], "recipe": "another recipe"}))
    recipe = tmp_path / "r.yaml"
    recipe.write_text(recipe_text(signals, out))
    assert main(["subset", str(recipe)]) == 2
    refused = capsys.readouterr().err
    assert ("holds the output of a curate subset job with other options (its _job.json differs in inputs, "
            "recipe)") in refused


def test_an_output_folder_with_files_of_its_own_is_refused_and_kept(signals, tmp_path, capsys):
    """A folder that holds no curate job, such as a clone of a dataset repository, is never written into."""
    out = tmp_path / "clone"
    own = out / "data" / "raw" / "notes.txt"
    own.parent.mkdir(parents=True)
    own.write_text("not curate's")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(recipe_text(signals, out))
    assert main(["subset", str(recipe), "--overwrite"]) == 2
    assert "holds files of no curate job (data)" in capsys.readouterr().err
    assert own.read_text() == "not curate's"


def test_a_part_ends_in_its_last_shard_rather_than_a_shard_of_a_few_rows():
    from pipeline.writers.hf_shards import _Batches

    def shards(slack: float) -> list[int]:
        part = _Batches([pa.record_batch({"text": ["x" * 100] * 10})] * 2, ratio=1.0)  # about 104 bytes a row
        rows = []
        while part.head is not None:
            rows.append(sum(table.num_rows for table in part.take(1000, slack)))
        return rows

    assert shards(0) == [9, 9, 2]
    assert shards(250) == [9, 11]


def without_artifacts(deduplicated, folder, column: str = "rps_doc_ldnoobw_words"):
    """The deduplicated signals with `column` null in every row, as `curate signals` leaves the word-list signals
    without --artifacts."""
    table = pq.read_table(deduplicated)
    index = table.schema.get_field_index(column)
    nulls = pa.nulls(table.num_rows, table.field(index).type)
    folder.mkdir()
    pq.write_table(table.set_column(index, table.field(index), nulls), folder / "part-00000.parquet")
    return folder


def test_a_rule_on_a_column_null_everywhere_is_warned_of_and_an_empty_subset_said_loudly(
        spark, deduplicated, tmp_path, capsys):
    from tests.helpers.paths import REPO

    inputs, out = without_artifacts(deduplicated, tmp_path / "in"), tmp_path / "c4"
    c4 = ["subset", str(REPO / "recipes" / "c4.yaml"), "--input", str(inputs), "--output", str(out), "--quiet"]
    warning = "filters.bad_words: `rps_doc_ldnoobw_words` is null in every document of the inputs, so this rule "
    assert main([*c4, "--explain"]) == 0
    explained = capsys.readouterr()
    assert warning in explained.err and "without --artifacts" in explained.err
    assert "NOTHING KEPT" not in explained.err  # --explain writes nothing
    assert main(c4) == 0  # warned, not refused: a recipe may mean SQL's nulls
    ran = capsys.readouterr()
    assert warning in ran.err and "line_filters" not in ran.err  # the line signals have values
    assert ran.err.rstrip().splitlines()[-1].startswith("curate subset: warning: NOTHING KEPT: all ")
    stats = json.loads((out / "_stats.json").read_text())
    assert stats["kept"] == 0 and stats["dropped"]["bad_words"] + stats["dropped"]["dedup"] == stats["read"] == \
        pq.read_metadata(inputs / "part-00000.parquet").num_rows
    assert [text.split(": ", 1)[0] for text in stats["warnings"]] == ["filters.bad_words"]
    assert escape(stats["warnings"][0]) in (out / "README.md").read_text()
    shard = pq.read_table(out / "data" / "default")
    assert shard.num_rows == 0 and shard.column_names == ["id", "text", "language"]
    assert main(["publish", str(out), "--repo-id", "curators/c4", "--dry-run"]) == 2
    assert f"{out} kept no document (NOTHING KEPT in its _stats.json)" in capsys.readouterr().err


def test_a_rule_that_keeps_nulls_or_reads_values_is_not_warned_of(deduplicated, tmp_path):
    inputs = without_artifacts(deduplicated, tmp_path / "in")
    rules = {"bad_words": "rps_doc_ldnoobw_words = 0 OR rps_doc_ldnoobw_words IS NULL",
             "word_count": RULES["word_count"]}
    text = recipe_text(inputs, tmp_path / "out", rules, "dedup: drop\n")
    assert plan_subset(parse_recipe(text, "t.yaml")).warnings == []


def test_the_null_column_hint_says_what_the_signals_job_upstream_was_given(parity_signals, shared_data, tmp_path):
    """--artifacts was given: the hint names the folder and the files it lacked (it blamed a missing --artifacts),
    and for CCNet's signals where the models come from (recipes/rpv2-example.yaml removes everything without)."""
    rules = {"head_middle": "ccnet_bucket IN (0, 1)"}
    warnings = plan_subset(parse_recipe(recipe_text(parity_signals, tmp_path / "out", rules), "t.yaml")).warnings
    missing = json.loads((parity_signals / "_stats.json").read_text())["missing_artifacts"]
    assert "lm/" in missing and len(missing) > 1  # the others are not named: they leave other columns null
    assert len(warnings) == 1 and warnings[0].startswith("filters.head_middle: `ccnet_bucket` is null in every ")
    assert f"`curate signals` ran with --artifacts {shared_data / 'artifacts'}, which lacks the file" in warnings[0]
    assert "(missing: lm/);" in warnings[0] and "without --artifacts" not in warnings[0]
    assert "http://dl.fbaipublicfiles.com/cc_net/lm/{lang}.arpa.bin" in warnings[0]


def test_a_glob_of_a_curate_outputs_files_is_checked_as_the_folder_is(deduplicated, tmp_path):
    import shutil

    marked = tmp_path / "dedup"
    shutil.copytree(deduplicated, marked)
    (marked / "_job.json").write_text(json.dumps({"stage": "dedup", "inputs": [], "mode": "fuzzy"}))
    files = f"{marked}/*.parquet"
    with pytest.raises(RecipeError) as caught:
        plan_subset(parse_recipe(recipe_text(files, tmp_path / "out"), "test.yaml"))
    assert f"inputs: {marked} is the output of an unfinished curate dedup job (no _SUCCESS)" in str(caught.value)
    (marked / "_SUCCESS").touch()
    with pytest.raises(RecipeError) as caught:
        plan_subset(parse_recipe(recipe_text(files, marked / "subset"), "test.yaml"))
    assert f"output.path: {marked / 'subset'} overlaps the input {marked}; choose another output" in str(caught.value)


def test_paths_from_the_command_line_are_blamed_on_their_flags(signals, tmp_path):
    loaded = parse_recipe(recipe_text(signals, tmp_path / "out"), "test.yaml")
    with pytest.raises(RecipeError, match=f"^--output: {signals / 'sub'} overlaps the input {signals}"):
        plan_subset(loaded, output=str(signals / "sub"))
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(RecipeError, match=f"^--input: {tmp_path / 'empty.jsonl'} has no documents"):
        plan_subset(loaded, inputs=[str(tmp_path / "empty.jsonl")])


def test_inputs_of_two_formats_are_refused_and_a_declared_format_is_read(spark, signals, tmp_path):
    import shutil

    rows = tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"id": "a", "text": "a document"}) + "\n")
    mixed = recipe_text(signals, tmp_path / "out").replace("inputs:\n", f"inputs:\n  - path: {rows}\n", 1)
    with pytest.raises(RecipeError) as caught:
        plan_subset(parse_recipe(mixed, "test.yaml"))
    assert f"test.yaml:2: inputs: the inputs mix Parquet ({signals}/" in str(caught.value)
    assert f"and JSON lines ({rows}); a recipe reads one format" in str(caught.value)
    renamed = tmp_path / "signals.parq"
    shutil.copy(next(signals.glob("*.parquet")), renamed)
    declared = recipe_text(renamed, tmp_path / "out", {"any": "rps_doc_word_count >= 0"}).replace(
        f"  - path: {renamed}\n", f"  - path: {renamed}\n    format: parquet\n")
    stats, _ = explain(spark, plan_subset(parse_recipe(declared, "test.yaml")), 1000)
    assert stats.read == pq.read_metadata(renamed).num_rows and stats.kept == stats.read


def test_a_line_filter_on_a_list_that_is_not_per_line_is_refused(signals, tmp_path):
    text = recipe_text(signals, tmp_path / "out", extra='line_filters:\n  sig: "`signature_sim0.8` IS NOT NULL"\n')
    with pytest.raises(RecipeError) as caught:
        plan_subset(parse_recipe(text, "test.yaml"))
    assert ("line_filters.sig: 'signature_sim0.8' is a list that is not one value per line; a line filter tests "
            "each line by the line-level list columns (rps_lines_*") in str(caught.value)


def test_arithmetic_beyond_a_long_does_not_overflow(spark, signals, tmp_path):
    rules = {"huge": "rps_doc_word_count * 9223372036854775807 >= 0",
             "huger": "rps_doc_word_count * 99999999999999999999 >= 0"}
    stats, _ = explain(spark, plan_subset(parse_recipe(recipe_text(signals, tmp_path / "out", rules), "t.yaml")),
                       1000)
    expected_rows = [row for path in signals.glob("*.parquet") for row in pq.read_table(path).to_pylist()]
    _, dropped = expected_books(expected_rows, rules, {"rps_doc_word_count"})
    assert stats.read == len(expected_rows) and dict(stats.dropped) == {"huge": 0, "huger": 0, **dropped}


def test_a_column_name_with_a_dot_is_read_from_the_footer_as_itself(tmp_path):
    from pipeline.stages.signals.null_columns import columns_without_values

    pq.write_table(pa.table({"is_duplicate_0.9": [True, None], "is_duplicate_0": pa.array([None, None], pa.bool_()),
                             "meta": pa.array([[("k", "v")], None], pa.map_(pa.string(), pa.string()))}),
                   tmp_path / "t.parquet")
    footer = pq.read_metadata(tmp_path / "t.parquet")
    assert columns_without_values([footer], {"is_duplicate_0.9", "is_duplicate_0", "meta"}) == {"is_duplicate_0"}


def test_shards_without_text_say_their_characters_are_not_counted(spark, signals, tmp_path):
    out = tmp_path / "out"
    text = recipe_text(signals, out, {"any": "rps_doc_word_count >= 0"}).replace(
        "  shard_size: 50KB\n", "  shard_size: 50KB\n  columns: [id, language]\n")
    stats = run_subset(spark, plan_subset(parse_recipe(text, "test.yaml")))
    assert stats["kept"] > 0 and stats["chars_kept"] is None and stats["tokens_kept_estimate"] is None
    assert "characters not counted (the shards hold no `text` column)" in (out / "README.md").read_text()


def test_a_recipe_silent_on_is_duplicate_is_warned_of_before_the_work_and_in_the_card(
        spark, deduplicated, tmp_path, capsys):
    """Inputs marked by `curate dedup` and a recipe that says nothing of duplicates: they stay, and it is said."""
    copies = sum(pq.read_table(deduplicated, columns=["is_duplicate"]).column("is_duplicate").to_pylist())
    rules = {"word_count": RULES["word_count"]}
    silent, out = tmp_path / "silent.yaml", tmp_path / "out"
    silent.write_text(recipe_text(deduplicated, out, rules))
    warning = "dedup: the inputs carry `is_duplicate` (marked by `curate dedup`) and this recipe neither drops nor"
    assert main(["subset", str(silent), "--explain", "--quiet"]) == 0
    assert f"curate subset: warning: {silent}: {warning}" in capsys.readouterr().err  # said before Spark counts
    assert main(["subset", str(silent), "--quiet"]) == 0
    stats = json.loads((out / "_stats.json").read_text())
    assert stats["warnings"][0].startswith(warning) and "dedup" not in stats["dropped"]
    assert sum(row["id"].count("#copy") for row in rows_of(out / "data" / "default")) > 0  # kept, as warned
    assert "- dedup: the inputs carry \\`is\\_duplicate\\`" in (out / "README.md").read_text()
    for dedup, dropped in (("drop", copies), ("keep", None), ("{exact: true}", copies)):
        plan = plan_subset(parse_recipe(recipe_text(deduplicated, out, rules, f"dedup: {dedup}\n"), "t.yaml"))
        assert plan.warnings == []
        stats, _ = explain(spark, plan, 10**6)
        assert stats.dropped.get("dedup") == dropped, dedup
    reading = {**rules, "originals": "is_duplicate = false"}  # a rule of its own on the column: no warning
    assert plan_subset(parse_recipe(recipe_text(deduplicated, out, reading), "t.yaml")).warnings == []


def test_dedup_drop_on_inputs_without_is_duplicate_drops_nothing_and_a_bad_word_is_refused(signals, tmp_path):
    """`dedup: drop` (as the built-in recipes say) on inputs `curate dedup` never marked drops nothing, and says so:
    the README's first subset runs gopher.yaml on `curate signals` output."""
    plan = plan_subset(parse_recipe(recipe_text(signals, tmp_path / "out", extra="dedup: drop\n"), "t.yaml"))
    assert plan.warnings == ["dedup: this recipe drops duplicates, but its inputs carry no `is_duplicate` (they are "
                             "not the output of `curate dedup`), so none is dropped: run `curate dedup` on them "
                             "first and use its output as the input"]
    assert "dedup" not in plan_books(plan)
    for dedup, refused in (("dropp", "t.yaml:9: dedup: 'dropp': write `dedup: drop`, `dedup: keep` or one mode"),
                           ("{exact: true, marked: keep}", "t.yaml:9: dedup.marked: give `dedup: keep` or a mode "
                            "(exact), not both")):
        with pytest.raises(RecipeError) as caught:
            parse_recipe(recipe_text(signals, tmp_path / "out", extra=f"dedup: {dedup}\n"), "t.yaml")
        assert str(caught.value).startswith(refused)


def plan_books(plan) -> list[str]:
    from pipeline.stages.subset.decisions import rule_order

    return rule_order(plan)


def markdown_outside_code(text: str) -> tuple[str, list[str]]:
    """The Markdown outside fenced blocks and code spans, and the code spans' contents (CommonMark: a run of n
    backticks opens a span that the next run of exactly n closes; one space of padding on each side is dropped)."""
    text = re.sub(r"^(`{3,})[^\n]*\n.*?^\1\n", "", text, flags=re.S | re.M)
    outside, spans, at = [], [], 0
    for opening in re.finditer(r"(?<![`\\])`+(?!`)", text):
        if opening.start() < at:
            continue
        fence = opening.group()
        closing = re.compile(rf"(?<!`){fence}(?!`)").search(text, opening.end())
        if closing is None:
            break
        outside.append(text[at:opening.start()])
        inner = text[opening.end():closing.start()]
        spans.append(inner[1:-1] if inner.startswith(" ") and inner.endswith(" ") and inner.strip() else inner)
        at = closing.end()
    outside.append(text[at:])
    return "".join(outside), spans


HOSTILE_NAME = "a`b<script>alert(1)</script>|c"


def test_the_card_escapes_what_recipes_and_data_say_and_still_loads(spark, signals, tmp_path, monkeypatch):
    """A recipe and documents written to break out of the card: shown as written, read as text, and the folder
    still loads; only language codes reach the front matter."""
    datasets = pytest.importorskip("datasets")
    table = pq.read_table(signals)
    languages = ["en", "de", "<b>x</b>", "EN", None]
    table = table.set_column(table.schema.get_field_index("language"), "language",
                             pa.array([languages[i % len(languages)] for i in range(table.num_rows)], pa.string()))
    (tmp_path / "in").mkdir()
    pq.write_table(table, tmp_path / "in" / "part-0.parquet")
    out = tmp_path / "out"
    rules = {HOSTILE_NAME: "rps_doc_word_count >= 0", "*not_em*": "rps_doc_word_count >= 0"}
    text = recipe_text(tmp_path / "in", out, {}).replace(
        "name: test-subset\n", "name: test-subset\ndescription: |\n  <img src=x onerror=alert(1)> [click](javascript:x)"
        "\n\n  # not a heading\n  1. not a list\n").replace("filters:\n", "filters:\n" + "".join(
            f"  {json.dumps(name)}: \"{rule}\"\n" for name, rule in rules.items())).replace(
        "  license: odc-by\n", "  license: odc-by\n  pretty_name: \"<h1>x</h1>\\n---\\n# **y**\"\n")
    recipe = tmp_path / "r.yaml"
    recipe.write_text(text)
    assert main(["subset", str(recipe), "--quiet"]) == 0
    card = (out / "README.md").read_text()
    front = yaml.safe_load(card.split("\n---\n")[0].removeprefix("---\n"))
    assert sorted(front["language"]) == ["de", "en"] and front["pretty_name"] == "<h1>x</h1>\n---\n# **y**"
    body, spans = markdown_outside_code(card.split("\n---\n", 1)[1])
    assert not re.search(r"(?<!\\)[<>*\[\]]", body.replace("|---|---:|", ""))  # no tag, emphasis or link is formed
    assert "\n# \\<h1\\>x\\</h1\\> --- # \\*\\*y\\*\\*\n" in body  # one heading, as written
    assert "\n\\# not a heading 1. not a list\n" in body  # one paragraph: no heading, no list
    assert HOSTILE_NAME.replace("|", "\\|") in spans and "*not_em*" in spans  # in the rule table, as written
    assert "| other | " in body and "| none | " in body
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    # a cache of its own: datasets reads HF_HOME when imported, and an earlier test may have imported it
    assert datasets.load_dataset(str(out), split="train", cache_dir=str(tmp_path / "hf")).num_rows == table.num_rows


def test_a_card_language_that_is_not_a_code_is_refused_at_its_line(signals, tmp_path):
    text = recipe_text(signals, tmp_path / "out").replace("  license: odc-by\n",
                                                          "  license: odc-by\n  language: [en, English]\n")
    with pytest.raises(RecipeError) as caught:
        parse_recipe(text, "t.yaml")
    assert str(caught.value).startswith("t.yaml:14: card.language.1: 'English' is not a language code")


def test_the_card_shows_the_recipe_as_run_and_where_its_documents_come_from(spark, signals, shared_data, tmp_path,
                                                                           monkeypatch):
    """gopher.yaml with --input and --output on the output of a real `curate dedup`: the card's recipe names those
    paths, its provenance walks dedup and signals up to their inputs, and `license: other` is explained."""
    from tests.helpers.paths import REPO

    marked, out = tmp_path / "dedup", tmp_path / "gopher"
    assert main(["dedup", str(signals), "--output", str(marked), "--mode", "exact", "--quiet"]) == 0
    assert main(["subset", str(REPO / "recipes" / "gopher.yaml"), "--input", str(marked), "--output", str(out),
                 "--quiet"]) == 0
    card = (out / "README.md").read_text()
    fence = re.search(r"As run, with the paths of `--input` and `--output`:\n\n```yaml\n(.*?)```\n", card, re.S)
    as_run = yaml.safe_load(fence.group(1))
    assert as_run["inputs"] == [{"path": str(marked)}] and as_run["output"]["path"] == str(out)
    assert "# Thresholds: Rae et al. 2021" in fence.group(1)  # the recipe's comments (its sources) stay
    assert "dedup" in json.loads((out / "_stats.json").read_text())["dropped"]  # built-in recipes drop duplicates
    provenance = card.split("## Provenance\n")[1].split("\n## ")[0]
    dedup_stats = json.loads((marked / "_stats.json").read_text())
    assert (f"- `curate dedup` in `{os.path.relpath(marked)}`: mode \"exact\", prefer \"newest\", "
            f"slice\\_bytes {SLICE_BYTES}; {dedup_stats['read']:,} read, {dedup_stats['kept']:,} kept, "
            f"{dedup_stats['duplicates']:,} marked as duplicates") in provenance
    assert (f"\n  - `curate signals` in `{os.path.relpath(signals)}`: artifacts "
            f"\"{os.path.relpath(shared_data / 'artifacts')}\"") in provenance  # no folder of this machine named
    assert not re.search(r"\\\d", provenance)  # a number is no list item inside a line: shown without a backslash
    assert "\n    - 1 input file made by no curate job: `" in provenance and "public.jsonl`" in provenance
    assert "## License\n\n`license: other`: curate gives the documents no licence of its own" in card


def test_provenance_names_the_crawls_of_the_warcs_upstream(tmp_path):
    from pipeline.stages.subset.card import provenance

    warcs = [f"https://data.commoncrawl.org/crawl-data/{crawl}/segments/1707947473347.0/warc/"
             f"CC-MAIN-20240220211055-20240221001055-0000{n}.warc.gz"
             for n, crawl in enumerate(["CC-MAIN-2024-10", "CC-MAIN-2024-10", "CC-MAIN-2023-50"])]
    ingest, signals_out = tmp_path / "ingest", tmp_path / "signals"
    for folder, job in ((ingest, {"stage": "ingest", "inputs": warcs, "options": {"extractor": "resiliparse"}}),
                        (signals_out, {"stage": "signals", "inputs": [str(ingest / "part-a.parquet")],
                                       "artifacts": None, "export": None})):
        folder.mkdir()
        (folder / "_job.json").write_text(json.dumps(job))
        (folder / "part-a.parquet").write_bytes(b"")
    lines = provenance([str(signals_out / "part-a.parquet")])
    assert lines[0] == "Crawls: CC-MAIN-2023-50, CC-MAIN-2024-10."
    assert lines[2:4] == [f"- `curate signals` in `{os.path.relpath(signals_out)}`: artifacts null, export null",
                          f"  - `curate ingest` in `{os.path.relpath(ingest)}`: extractor \"resiliparse\""]
    assert lines[4].startswith("    - 3 input files made by no curate job: `https://data.commoncrawl.org/crawl-data/")


def exclusion_recipe(inputs, output, server_list: str, domain_list) -> str:
    return (f"name: takedowns\ninputs:\n  - path: {inputs}\nexclude:\n"
            f"  urls: [https://other.example/page-8, {{list: '{server_list}'}}]\n"
            f"  domains: [{{list: '{domain_list}'}}]\n  ids: [doc-004, doc-999]\n"
            f"output:\n  path: {output}\n  shard_size: 50KB\n")


def test_exclusion_lists_remove_exactly_what_they_name_and_a_changed_list_is_a_rerun(spark, tmp_path):
    from pipeline.storage.output_dir import OutputConflict
    from tests.helpers.http_server import LoopbackServer
    from tests.helpers.licensed_documents import host, licensed_rows, write_licensed

    rows = licensed_rows()
    inputs = write_licensed(tmp_path / "docs", rows)
    served = b"# takedown 1\nhttps://news.example.org/page-13\nhttps://news.example/page-10\n"
    domains = tmp_path / "domains.txt"
    domains.write_bytes(b"NEWS.example\n")  # and its subdomains; not news.example.org
    with LoopbackServer({"/urls.txt": served}) as server:
        url_list = server.url("/urls.txt")
        loaded = parse_recipe(exclusion_recipe(inputs, tmp_path / "out", url_list, domains), "takedowns.yaml")
        stats = run_subset(spark, plan_subset(loaded))
        domains.write_bytes(b"news.example\nother.example\n")
        changed = plan_subset(parse_recipe(exclusion_recipe(inputs, tmp_path / "out", url_list, domains), "t.yaml"))
    def first_named(hosts: set[str]) -> list[str | None]:
        """Per row, the first list that names it (by the rows' own columns, apart from Spark)."""
        lists = [("exclude.urls", lambda row: row.get("url") == "https://other.example/page-8"),
                 (f"exclude.urls:{url_list}", lambda row: row.get("url") in served.decode().splitlines()),
                 (f"exclude.domains:{domains}", lambda row: host(row.get("url")) in hosts),
                 ("exclude.ids", lambda row: row["id"] in ("doc-004", "doc-999"))]
        return [next((name for name, named in lists if named(row)), None) for row in rows]

    news = {"news.example", "blog.news.example", "a.b.news.example"}
    first = first_named(news)
    assert stats["dropped"] == {name: first.count(name) for name in stats["rules"]}
    assert all(stats["dropped"].values()) and len(stats["rules"]) == 4
    assert sorted(row["id"] for row in rows_of(tmp_path / "out" / "data" / "default")) == \
        sorted(row["id"] for row, reason in zip(rows, first, strict=True) if reason is None)
    card = (tmp_path / "out" / "README.md").read_text()
    for item in stats["exclude"]:
        assert f"| {item['removed']:,} |" in card and item["sha256"] in card
    assert stats["exclude"][1]["sha256"] == hashlib.sha256(served).hexdigest()

    with pytest.raises(OutputConflict):  # the same recipe with another version of a list is another job
        run_subset(spark, changed)
    again = first_named(news | {"other.example"})
    assert run_subset(spark, changed, overwrite=True)["dropped"] == {name: again.count(name) for name in stats["rules"]}


@pytest.mark.parametrize("recipe", ["open-licensed", "olc-permissive"])
def test_a_licence_recipe_on_documents_without_its_columns_is_refused_naming_them(tmp_path, recipe):
    """As any rule on a column the inputs lack (documents ingested before curate had `license_tier`)."""
    from recipes.loader import load_recipe
    from tests.helpers.paths import REPO

    (tmp_path / "in").mkdir()
    pq.write_table(pa.table({"id": ["a"], "text": ["t"], "license": ["CC0-1.0"]}), tmp_path / "in" / "part-0.parquet")
    path = REPO / "recipes" / f"{recipe}.yaml"
    with pytest.raises(RecipeError) as caught:
        plan_subset(load_recipe(str(path)), str(tmp_path / "out"), [str(tmp_path / "in")])
    line = next(number for number, text in enumerate(path.read_text().splitlines(), 1) if "license_tier IN" in text)
    assert str(caught.value).startswith(f"{path}:{line}: filters.")
    assert "license_tier" in str(caught.value)


def test_an_exclusion_list_that_cannot_be_read_or_holds_a_bad_value_is_refused_by_its_line(tmp_path):
    from tests.helpers.licensed_documents import licensed_rows, write_licensed

    inputs = write_licensed(tmp_path / "docs", licensed_rows(3))
    domains = tmp_path / "domains.txt"
    domains.write_text("# takedowns\na.example\nhttps://b.example/\n")
    text = exclusion_recipe(inputs, tmp_path / "out", str(tmp_path / "urls.txt"), domains)
    line = next(number for number, row in enumerate(text.splitlines(), 1) if "urls:" in row)
    with pytest.raises(RecipeError, match=rf"^t\.yaml:{line}: exclude\.urls\.1\.list: cannot read .*urls\.txt"):
        plan_subset(parse_recipe(text, "t.yaml"))
    (tmp_path / "urls.txt").write_text("https://a.example/x\n")
    with pytest.raises(RecipeError, match=rf"^t\.yaml:{line + 1}: exclude\.domains\.0\.list: {re.escape(str(domains))}"
                                          r":3: 'https://b\.example/' is not a domain name"):
        plan_subset(parse_recipe(text, "t.yaml"))
