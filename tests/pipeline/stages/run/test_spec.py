"""The pipeline file: its mistakes named as `file:line: key: message`, its paths relative to the file."""

import os

import pytest

from pipeline.cli.main import main
from pipeline.demo.crawl import write_demo_crawl
from pipeline.demo.run import DEMO_RECIPE
from pipeline.stages.run.spec import PipelineError, load_pipeline
from pipeline.stages.run.steps import pipeline_steps

GOOD = """\
output: out
inputs:
  files: [crawl]
dedup:
  thresholds: [0.8]
recipes: [demo-recipe.yaml]
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "demo-recipe.yaml").write_text(DEMO_RECIPE)
    write_demo_crawl(str(tmp_path / "crawl"))
    return tmp_path


def line_of(text: str, start: str) -> int:
    """The 1-based line of `text` that starts with `start`."""
    return next(number for number, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith(start))


@pytest.mark.parametrize(("change", "key", "where", "says"), [
    (("dedup:", "dedupe:"), "dedupe", "dedupe:", "unknown key (did you mean 'dedup'?)"),
    (("[demo-recipe.yaml]", "[demo-recipes.yaml]"), "recipes.0", "recipes:", "no such recipe file"),
    (("[0.8]", "[1.5]"), "dedup", "dedup:", "threshold"),
    (("files: [crawl]", "files: [crawl]\n  crawl: CC-MAIN-2024-10"), "inputs", "inputs:", "give one of files:"),
    (("files: [crawl]", "files: [crawls]"), "inputs.files.0", "files:", "no such file or folder"),
    (("recipes:", "publish:\n  other: org/name\nrecipes:"), "publish.other", "other:", "no recipe of this pipeline"),
    (("dedup:", "translate:\n  targets: [fx]\n  engine: identity\ndedup:"), "translate.targets", "targets:",
     "unknown language 'fx'"),
])
def test_a_mistake_names_its_file_line_and_key(folder, capsys, change, key, where, says):
    text = GOOD.replace(*change)
    path = folder / "pipeline.yaml"
    path.write_text(text)
    line = line_of(text, where)
    with pytest.raises(PipelineError) as caught:
        pipeline_steps(load_pipeline(str(path)))
    assert str(caught.value).startswith(f"{path}:{line}: {key}: ")
    assert says in str(caught.value)
    assert main(["run", str(path), "--dry-run"]) == 2  # said before Spark starts, as every refusal is
    assert f"curate run: error: {path}:{line}: {key}: " in capsys.readouterr().err


def test_paths_are_relative_to_the_pipeline_file(folder, tmp_path_factory, monkeypatch):
    (folder / "pipeline.yaml").write_text(GOOD)
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    loaded = load_pipeline(os.path.relpath(folder / "pipeline.yaml"))
    steps = {step.name: step for step in pipeline_steps(loaded)}
    assert loaded.root == str(folder / "out")
    assert steps["ingest"].job()["inputs"] == [str(path) for path in sorted((folder / "crawl").iterdir())]
    assert {name: step.output for name, step in steps.items()} == {
        "ingest": str(folder / "out" / "documents"), "signals": str(folder / "out" / "signals"),
        "dedup": str(folder / "out" / "dedup"), "subset": str(folder / "out" / "subset"),
        "report": str(folder / "out" / "subset")}


def test_source_files_are_ingested_each_into_a_folder_of_its_own(folder):
    (folder / "sources" / "data").mkdir(parents=True)
    (folder / "sources" / "data" / "a.jsonl").write_text('{"id": "1", "text": "one"}\n')
    # the source's paths are relative to the source file, as the pipeline's are to the pipeline file
    (folder / "sources" / "notes.yaml").write_text("name: notes\nreader: jsonl\npaths: [data/]\nlicense: CC0-1.0\n")
    (folder / "pipeline.yaml").write_text(GOOD.replace("files: [crawl]", "sources: [sources/notes.yaml]"))
    steps = pipeline_steps(load_pipeline(str(folder / "pipeline.yaml")))
    assert [step.name for step in steps][:2] == ["ingest notes", "signals"]
    assert steps[0].output == str(folder / "out" / "documents" / "notes")
    assert steps[0].job()["inputs"] == [str(folder / "sources" / "data" / "a.jsonl")]
    assert steps[1].after == ("ingest notes",)


def test_translate_comes_between_ingest_and_signals(folder):
    (folder / "pipeline.yaml").write_text(GOOD.replace("dedup:", "translate:\n  targets: [fr]\n  engine: identity\n"
                                                                 "dedup:"))
    steps = pipeline_steps(load_pipeline(str(folder / "pipeline.yaml")))
    assert [(step.name, step.after) for step in steps][:3] == [
        ("ingest", ()), ("translate", ("ingest",)), ("signals", ("translate",))]
    assert steps[1].output == str(folder / "out" / "translated")
