"""`curate decontaminate` as a stage: benchmarks from JSON lines, Parquet and a Hugging Face dataset folder, every
document back with the benchmarks whose items were planted in it, and the output's fingerprint."""

import json
import os
import shutil

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dedup.ngrams import NGRAM
from pipeline.cli.main import main
from pipeline.stages.decontaminate import BadBenchmark, read_benchmarks, run_decontaminate
from pipeline.stages.subset.plan import plan_subset
from pipeline.stages.subset.run import run_subset
from pipeline.storage.output_dir import OutputConflict
from recipes.loader import parse_recipe
from tests.helpers.contamination import COMMON_PHRASE, filler, item_words

COLUMNS = ("question", "choices")


def item(seed: int, words: int = 20) -> dict:
    """A multiple-choice item: a question and a list of choices, joined into one item."""
    text = item_words(words, seed)
    return {"question": " ".join(text[:words - 6]), "choices": [" ".join(text[-6:-3]), " ".join(text[-3:])]}


def item_text(row: dict) -> str:
    return f"{row['question']} {' '.join(row['choices'])}"


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Three benchmarks, two input files, and for each document the benchmarks planted in it (the ground truth)."""
    root = tmp_path_factory.mktemp("decontaminate")
    quiz = [item(s) for s in range(10)]
    exam = [item(100 + s) for s in range(6)] + [{"question": "too short", "choices": ["a", "b"]}]
    hub = {"train": [item(200 + s) for s in range(4)], "test": [item(300 + s) for s in range(3)]}
    with open(root / "quiz.jsonl", "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in quiz)
    pq.write_table(pa.Table.from_pylist(exam), root / "exam.parquet")
    datasets.DatasetDict({split: datasets.Dataset.from_list(rows) for split, rows in hub.items()}).save_to_disk(
        str(root / "hub"))
    (root / "hub" / ".cache").mkdir()  # what a download from the Hub leaves beside the data: not read
    (root / "hub" / ".cache" / "stale.jsonl").write_text('{"other": 1}\n', encoding="utf-8")
    documents, truth = [], {}
    plants = [("quiz", quiz[0]), ("exam", exam[2]), ("hub", hub["test"][1]), ("hub", hub["train"][3])]
    for n in range(40):
        name, row = plants[n % 4] if n % 5 == 0 else (None, None)
        text = filler(60, n)
        if row is not None:
            text = f"{filler(30, n)}\n{item_text(row).upper()}!\n{filler(30, n + 1000)}"
        elif n % 7 == 0:
            text = f"{filler(20, n)} {COMMON_PHRASE} {filler(20, n + 1000)}"
        documents.append({"id": f"d{n}", "text": text, "url": f"https://example.com/{n}"})
        truth[f"d{n}"] = [name] if name else []
    with open(root / "docs-0.jsonl", "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in documents[:20])
    pq.write_table(pa.Table.from_pylist(documents[20:]), root / "docs-1.parquet")
    benchmarks = {"quiz": str(root / "quiz.jsonl"), "exam": str(root / "exam.parquet"), "hub": str(root / "hub")}
    return root, benchmarks, [str(root / "docs-0.jsonl"), str(root / "docs-1.parquet")], truth


@pytest.fixture(scope="module")
def decontaminated(spark, planted):
    root, benchmarks, inputs, truth = planted
    built = read_benchmarks(benchmarks, COLUMNS)
    stats = run_decontaminate(spark, inputs, str(root / "out"), built, progress=False)
    return stats, pq.read_table(root / "out")


def test_exactly_the_documents_holding_an_item_are_flagged(decontaminated, planted):
    stats, table = decontaminated
    truth = planted[3]
    rows = {row["id"]: row for row in table.to_pylist()}
    assert stats["read"] == stats["kept"] == len(rows) == len(truth)  # nothing dropped
    assert {key: rows[key]["contaminated_by"] for key in truth} == truth
    # the item's words are its own (the filler shares none): only its n-grams match
    assert all(rows[key]["contamination_ngrams"] == (20 - NGRAM + 1 if names else 0) for key, names in truth.items())
    assert table.column("url").to_pylist() == [rows[key]["url"] for key in table.column("id").to_pylist()]


def test_the_books_count_items_skipped_items_and_flagged_documents(decontaminated, planted):
    stats, _ = decontaminated
    truth = planted[3]
    flagged = {name: sum(name in names for names in truth.values()) for name in ("quiz", "exam", "hub")}
    assert stats["benchmarks"] == {
        "exam": {"items": 7, "skipped_short": 1, "documents_flagged": flagged["exam"]},
        "hub": {"items": 7, "skipped_short": 0, "documents_flagged": flagged["hub"]},
        "quiz": {"items": 10, "skipped_short": 0, "documents_flagged": flagged["quiz"]}}


def test_a_rerun_commits_nothing_and_a_changed_benchmark_is_refused(spark, decontaminated, planted, tmp_path):
    root, benchmarks, inputs, _ = planted
    sealed = os.stat(root / "out" / "_SUCCESS").st_mtime_ns
    again = run_decontaminate(spark, inputs, str(root / "out"), read_benchmarks(benchmarks, COLUMNS), progress=False)
    assert again == decontaminated[0] and os.stat(root / "out" / "_SUCCESS").st_mtime_ns == sealed
    changed = tmp_path / "quiz.jsonl"
    changed.write_text(json.dumps(item(999)) + "\n", encoding="utf-8")
    other = read_benchmarks({**benchmarks, "quiz": str(changed)}, COLUMNS)
    with pytest.raises(OutputConflict):
        run_decontaminate(spark, inputs, str(root / "out"), other, progress=False)
    assert os.stat(root / "out" / "_SUCCESS").st_mtime_ns == sealed
    shutil.copytree(root / "out", tmp_path / "copy")  # the module's output stays for the card's test
    replaced = run_decontaminate(spark, inputs, str(tmp_path / "copy"), other, overwrite=True, progress=False)
    assert replaced["benchmarks"]["quiz"] == {"items": 1, "skipped_short": 0, "documents_flagged": 0}


def test_a_missing_column_is_named(planted):
    benchmarks = planted[1]
    with pytest.raises(BadBenchmark, match=r"exam=.*exam\.parquet: no `answer` column .*has: question, choices"):
        read_benchmarks({"exam": benchmarks["exam"]}, ("question", "answer"))


def test_the_command_refuses_a_missing_column_before_spark(planted, tmp_path, capsys):
    root, benchmarks, inputs, _ = planted
    code = main(["decontaminate", *inputs, "--benchmark", f"hub={benchmarks['hub']}", "--benchmark-columns",
                 "question,choice", "--output", str(tmp_path / "out")])
    error = capsys.readouterr().err
    assert code == 2 and "no `choice` column (did you mean 'choices'?)" in error and "hub=" in error
    assert not (tmp_path / "out").exists()


def test_a_recipe_removes_the_flagged_documents_and_the_card_counts_them(spark, decontaminated, planted, tmp_path):
    root, _, _, truth = planted
    recipe = (f"name: clean\ninputs:\n  - path: {root / 'out'}\nfilters:\n"
              "  uncontaminated: \"size(contaminated_by) = 0\"\n"
              f"output:\n  path: {tmp_path / 'subset'}\n  shard_size: 50KB\ncard:\n  license: odc-by\n")
    stats = run_subset(spark, plan_subset(parse_recipe(recipe, "clean.yaml")), progress=False)
    flagged = sum(bool(names) for names in truth.values())
    assert stats["dropped"] == {"uncontaminated": flagged} and stats["kept"] == len(truth) - flagged
    card = (tmp_path / "subset" / "README.md").read_text(encoding="utf-8")
    section = card.split("## Benchmark decontamination\n", 1)[1].split("\n## ", 1)[0]
    for name, counts in decontaminated[0]["benchmarks"].items():
        row = f"| `{name}` | {counts['items']} | {counts['skipped_short']} | {counts['documents_flagged']} |"
        assert row in section
    assert f"`uncontaminated` ({flagged} removed)" in section
