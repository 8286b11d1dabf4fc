"""`curate translate` end to end. With the identity engine: the slice comes out once per target language with every
input column, the text byte for byte, the QC columns; the books balance; a rerun commits nothing; another setting
is refused; `curate signals` and `curate subset` run on the output. With the ct2 engine on a tiny real model: the
job equals CTranslate2 on each segment alone, a subset's card warns of NLLB-200's licence, and a run killed part-way
and rerun equals a clean one."""

import json
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sentencepiece

from pipeline.cli.main import main
from tests.helpers.ct2_models import multilingual_model, train_spm, translate_alone
from tests.helpers.fineweb_edu import DUMPS, FINEWEB_EDU_SCHEMA, write_fineweb_edu
from tests.helpers.http_server import LoopbackServer
from tests.helpers.output_files import outputs
from tests.helpers.processes import CURATE, committed_units, kill_when
from translate.segment import segment

TARGETS = ("de", "fr")
SLICE = ["--dumps", ",".join(DUMPS[:2]), "--min-int-score", "2"]


def translate_arguments(inputs: list[str], out: Path, *more: str) -> list[str]:
    return ["translate", *inputs, "--target", ",".join(TARGETS), "--engine", "identity", "--output", str(out),
            "--keep-source", "--master", "local[1]", "--quiet", *SLICE, *more]


@pytest.fixture(scope="module")
def translated(spark, tmp_path_factory):
    directory = tmp_path_factory.mktemp("translate")
    inputs = write_fineweb_edu(directory / "in", files=2, rows=25, seed=1)
    out = directory / "out"
    assert main(translate_arguments(inputs, out)) == 0
    return inputs, out


def fixture_rows(inputs: list[str]) -> list[dict]:
    return pa.concat_tables(pq.read_table(path) for path in inputs).to_pylist()


def chosen(row: dict) -> str | None:
    """Why the slice of SLICE leaves a row out, straight from the row."""
    if row["dump"] not in DUMPS[:2]:
        return "dump"
    return "int_score" if row["int_score"] < 2 else None


def test_the_slice_comes_out_once_per_language_with_every_column_and_the_text_as_it_was(translated):
    inputs, out = translated
    source = {row["id"]: row for row in fixture_rows(inputs)}
    rows = pq.read_table(out).to_pylist()
    wanted = {id for id, row in source.items() if chosen(row) is None}
    assert 0 < len(wanted) < len(source)
    assert Counter((row["id"], row["target_language"]) for row in rows) == Counter(
        (id, target) for id in wanted for target in TARGETS)
    for row in rows:
        original = source[row["id"]]
        assert row["text"] == row["source_text"] == original["text"]  # the identity engine, byte for byte
        assert {name: row[name] for name in FINEWEB_EDU_SCHEMA.names if name != "language"} == {
            name: original[name] for name in FINEWEB_EDU_SCHEMA.names if name != "language"}
        assert row["language"] == row["target_language"]
        assert (row["mt_engine"], row["mt_model"], row["mt_model_license"]) == ("identity", None, None)
        assert row["qc_pass"] and set(row["qc_skipped"]) == {"output_language", "untranslated"}


def test_the_books_count_each_document_once_per_language(translated):
    inputs, out = translated
    rows = fixture_rows(inputs)
    stats = json.loads((out / "_stats.json").read_text())
    reasons = Counter(chosen(row) for row in rows)
    assert stats["read"] == len(rows) * len(TARGETS) and stats["inputs"]["files"] == len(inputs)
    assert stats["kept"] == reasons[None] * len(TARGETS)
    assert stats["dropped"] == {reason: n * len(TARGETS) for reason, n in reasons.items() if reason}
    for target in TARGETS:
        counts = stats["translation"][target]
        assert counts["documents"] == {"passed": reasons[None]}
        assert counts["distinct_segments"] + counts["cache_hits"] == sum(counts["segments"].values())
        assert counts["cache_hits"] > 0  # the boilerplate line many pages share


def test_a_rerun_commits_nothing_and_another_setting_is_refused(translated, capsys):
    inputs, out = translated
    before = outputs(out)
    assert main(translate_arguments(inputs, out)) == 0
    said = capsys.readouterr()
    assert f"{out} is already complete; nothing to do" in said.err
    assert "passed QC" in said.out and outputs(out) == before
    assert main(translate_arguments(inputs, out, "--fraction", "0.5")) == 2
    assert "with other options (its _job.json differs in slice.fraction); use another --output, or --overwrite" \
        in capsys.readouterr().err
    assert outputs(out) == before


def test_a_column_the_slice_reads_must_be_in_every_input(tmp_path, capsys):
    bare = tmp_path / "bare.parquet"
    pq.write_table(pa.table({"id": ["a"], "text": ["Some text."]}), bare)
    assert main(["translate", str(bare), "--target", "fr", "--engine", "identity", "--output",
                 str(tmp_path / "out"), "--min-int-score", "3"]) == 2
    assert capsys.readouterr().err == (f"curate translate: error: {bare}: --min-int-score reads the `int_score` "
                                       "column, which it lacks (FineWeb-Edu has text, id, dump, url, date, "
                                       "file_path, language, language_score, token_count, score, int_score)\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("given", "said"), [
    (["--target", "fx,de"], "--target fx: unknown language 'fx'"),
    (["--target", "en"], "--target en: the documents are in that language already (--source)"),
])
def test_a_language_is_checked_before_spark_starts(tmp_path, capsys, given, said):
    bare = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ["a"], "text": ["Some text."]}), bare)
    arguments = ["translate", str(bare), "--engine", "identity", "--output", str(tmp_path / "out"), *given]
    assert main(arguments) == 2
    assert capsys.readouterr().err.startswith(f"curate translate: error: {said}")
    assert not (tmp_path / "out").exists()


def test_inputs_over_http_give_the_same_slice_as_on_disk(translated, tmp_path):
    """The limit's pass and the units read remote inputs as every stage does; --max-docs across both files."""
    inputs, _ = translated
    limit = ["--max-docs", "7", "--seed", "3"]
    assert main(translate_arguments(inputs, tmp_path / "local", *limit)) == 0
    files = {f"/fineweb/{Path(path).name}": Path(path).read_bytes() for path in inputs}
    with LoopbackServer(files) as server:
        assert main(translate_arguments([server.url(name) for name in files], tmp_path / "http", *limit)) == 0
    local, remote = (pq.read_table(tmp_path / name).sort_by([("id", "ascending"), ("target_language", "ascending")])
                     for name in ("local", "http"))
    assert local.num_rows == 7 * len(TARGETS) and local.equals(remote)


def test_signals_and_subset_run_on_the_translations(translated, tmp_path):
    _, out = translated
    signals = tmp_path / "signals"
    assert main(["signals", str(out), "--output", str(signals), "--master", "local[1]", "--quiet"]) == 0
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(f"name: translated\ndescription: Translated pages.\ninputs:\n  - path: {signals}\n"
                      f"filters:\n  passed: \"qc_pass\"\noutput:\n  path: {tmp_path / 'subset'}\n")
    assert main(["subset", str(recipe), "--master", "local[1]", "--quiet"]) == 0
    kept = pa.concat_tables(pq.read_table(path) for path in sorted((tmp_path / "subset").rglob("*.parquet")))
    assert kept.num_rows == pq.read_table(out).num_rows  # every translation passed (nothing to fail for identity)
    assert sorted(set(kept.column("language").to_pylist())) == list(TARGETS)
    card = (tmp_path / "subset" / "README.md").read_text()
    assert "## Machine translation" in card and "unknown" in card


# The ct2 engine over the whole job, on a tiny NLLB-shaped model with random weights (tests/helpers/ct2_models.py).
# The retry's decoding is the first's, so nothing is retried and every segment must be what CTranslate2 gives it
# alone; segments stop at the end token or at the limit, both.
LIMIT = 16
CT2_OPTIONS = {"beam_size": 2, "max_decoding_length": LIMIT, "retry_beam_size": 2, "retry_repetition_penalty": 1.0,
               "retry_no_repeat_ngram_size": 0}


@pytest.fixture(scope="module")
def nllb(tmp_path_factory) -> tuple[Path, Path]:
    directory = tmp_path_factory.mktemp("ct2")
    spm = train_spm(directory / "spm.model")
    model = multilingual_model(directory / "nllb-200-tiny", spm, ("eng_Latn", "fra_Latn", "deu_Latn"), eos_bias=1.0)
    return model, spm


def ct2_arguments(inputs: list[str], out: Path, model: Path, targets: str = "fr") -> list[str]:
    options = [item for key, value in CT2_OPTIONS.items() for item in ("--option", f"{key}={value}")]
    return ["translate", *inputs, "--target", targets, "--engine", "ct2", "--model", str(model), *options,
            "--output", str(out), "--master", "local[1]", "--quiet"]


@pytest.fixture(scope="module")
def ct2_translated(spark, nllb, tmp_path_factory):
    directory = tmp_path_factory.mktemp("ct2-job")
    inputs = write_fineweb_edu(directory / "in", files=2, rows=6, seed=2)
    out = directory / "out"
    assert main(ct2_arguments(inputs, out, nllb[0])) == 0
    return inputs, out


def test_the_ct2_job_equals_ctranslate2_one_segment_at_a_time(nllb, ct2_translated):
    model, spm = nllb
    inputs, out = ct2_translated
    pieces = sentencepiece.SentencePieceProcessor(model_file=str(spm))
    texts = {row["id"]: row["text"] for row in fixture_rows(inputs)}
    rows = pq.read_table(out).to_pylist()
    assert sorted(row["id"] for row in rows) == sorted(texts)
    statuses = Counter()
    for row in rows:
        cut = segment(texts[row["id"]], "en", 256, lambda text: len(pieces.encode(text)))
        alone = translate_alone(model, spm, "nllb", cut.segments, beam_size=2, max_decoding_length=LIMIT)
        assert row["text"] == cut.rebuild([text for text, _ in alone])
        assert row["qc_segments_cut"] == sum(tokens == LIMIT for _, tokens in alone)
        statuses.update(tokens == LIMIT for _, tokens in alone)
        assert (row["mt_engine"], row["mt_model"], row["mt_model_license"]) == ("ct2", model.name, "CC-BY-NC-4.0")
    assert statuses[True] and statuses[False]  # both ends of decoding met
    stats = json.loads((out / "_stats.json").read_text())
    assert stats["translation"]["fr"]["retried"] == 0 and stats["mt_model_license"] == "CC-BY-NC-4.0"


def test_the_card_of_a_subset_of_nllb_translations_warns_of_its_licence(ct2_translated, tmp_path):
    _, out = ct2_translated
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(f"name: nllb\ndescription: NLLB translations.\ninputs:\n  - path: {out}\n"
                      f"output:\n  path: {tmp_path / 'subset'}\n")
    assert main(["subset", str(recipe), "--master", "local[1]", "--quiet"]) == 0
    card = (tmp_path / "subset" / "README.md").read_text()
    documents = pq.read_table(out).num_rows
    assert f"{documents:,} of the kept documents are machine translations made by `curate translate`: " \
           f"`nllb-200-tiny` ({documents:,})" in card
    assert "**Warning**: `CC-BY-NC-4.0` restricts use (NonCommercial or NoDerivatives)" in card


def test_a_job_killed_after_a_unit_and_rerun_equals_a_clean_run(nllb, tmp_path):
    """SIGKILL to the whole run (driver, JVM, workers) once a unit is committed; the rerun redoes the rest."""
    inputs = write_fineweb_edu(tmp_path / "in", files=3, rows=8, seed=5)
    assert main(ct2_arguments(inputs, tmp_path / "clean", nllb[0], "fr,de")) == 0
    out = tmp_path / "killed"
    again = ct2_arguments(inputs, out, nllb[0], "fr,de")
    kill_when(CURATE + again, lambda: committed_units(out) >= 1)
    assert not (out / "_SUCCESS").exists() and committed_units(out) < 6
    committed = {path: path.stat().st_mtime_ns for path in (out / "_units").glob("*.json")}
    assert main(again) == 0
    assert outputs(out) == outputs(tmp_path / "clean")
    assert {path: path.stat().st_mtime_ns for path in committed} == committed  # kept, not made again
