"""`curate ingest` as a user runs it: real files, a crawl listing served on loopback, clear errors."""

import configparser
import gzip
import json
import socket
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.cli.main import main
from pipeline.readers.warc.crawl_listing import listing_url, select_segments
from tests.helpers.broken_files import broken_parquet
from tests.helpers.http_server import LoopbackServer
from tests.helpers.paths import REPO
from tests.helpers.subsets import SUBSET_RULES, subset_recipe
from tests.helpers.warc_fixtures import good_records, members, page_record

CURATE = str(Path(sys.executable).parent / "curate")
SEGMENTS = ["1700000000000.11", "1700000000000.22", "1700000000000.33"]


def crawl_paths(crawl: str, fmt: str = "warc") -> list[str]:
    return [f"crawl-data/{crawl}/segments/{segment}/{fmt}/{crawl}-{s}{n}.warc.gz"
            for s, segment in enumerate(SEGMENTS) for n in range(2)]


def test_segment_selection_by_index_range_and_id():
    paths = crawl_paths("CC-MAIN-2099-01")
    assert select_segments(paths, None) == paths
    assert select_segments(paths, "1") == paths[2:4]
    assert select_segments(paths, "0-1") == paths[:4]
    assert select_segments(paths, "1700000000000.33,0") == paths[:2] + paths[4:]
    with pytest.raises(ValueError, match="segments 0-2"):
        select_segments(paths, "7")
    with pytest.raises(ValueError, match=r"1799999999999.0: no such segment in this crawl \(its 3 segments run "
                                         r"from 1700000000000.11 to 1700000000000.33\)"):
        select_segments(paths, "1799999999999.0")
    with pytest.raises(ValueError, match="not a crawl id"):
        listing_url("2024-10")


def test_ingest_a_crawl_from_its_listing(spark, tmp_path):
    crawl = "CC-MAIN-2099-01"
    paths = crawl_paths(crawl)
    files = {"/crawl-data/CC-MAIN-2099-01/warc.paths.gz": gzip.compress("\n".join(paths).encode())}
    for i, path in enumerate(paths):
        records = good_records(0) + [page_record(100 * i + n) for n in range(3)]
        files["/" + path] = b"".join(members(records))
    out = tmp_path / "docs"
    with LoopbackServer(files) as server:
        code = main(["ingest", "--crawl", crawl, "--segments", "1", "--limit-files", "1", "--limit-records", "3",
                     "--cc-base-url", server.url("/"), "--output", str(out), "--quiet"])
        requested = server.faults.requests
    assert code == 0
    stats = json.loads((out / "_stats.json").read_text())
    assert stats["inputs"]["files"] == 1 and stats["read"] == 3 and stats["kept"] == 2  # warcinfo + 2 pages
    assert json.loads((out / "_job.json").read_text())["inputs"] == [server.url("/" + paths[2])]
    assert len(requested) >= 2


def test_curate_ingest_command_prints_where_and_the_table(shared_data, tmp_path):
    result = subprocess.run(
        [CURATE, "ingest", str(shared_data / "cc/resiliparse-warcfile.warc.gz"), "--output", str(tmp_path / "x"),
         "--master", "local[1]", "--extractor", "resiliparse"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"output: {tmp_path / 'x'}" in result.stdout
    assert "kept" in result.stdout and "16" in result.stdout
    assert "[ingest] files 1/1" in result.stderr
    # Spark's own start-up notices are not a user's business (only the JVM's one-line module warning remains).
    assert "log4j profile" not in result.stderr and "NativeCodeLoader" not in result.stderr


def test_errors_name_the_input_before_spark_starts(shared_data, tmp_path, capsys):
    """A typo is refused before any work: the output folder stays unclaimed, so the corrected command just runs."""
    absent, real = tmp_path / "absent.warc.gz", str(shared_data / "cc/whirlwind.warc.gz")
    assert main(["ingest", real, str(absent), "--output", str(tmp_path / "o"), "--quiet"]) == 2
    assert f"curate ingest: error: input not found: {absent}; --on-missing skip ingests the others" \
        in capsys.readouterr().err
    assert main(["ingest", str(absent), "--on-missing", "skip", "--output", str(tmp_path / "o4"), "--quiet"]) == 2
    assert "none of the inputs exists" in capsys.readouterr().err
    assert main(["ingest", str(tmp_path / "*.warc.gz"), "--output", str(tmp_path / "o1"), "--quiet"]) == 2
    assert f"no file matches {tmp_path / '*.warc.gz'}" in capsys.readouterr().err
    assert main(["signals", str(tmp_path / "docs.jsonl"), "--output", str(tmp_path / "o5"), "--quiet"]) == 2
    assert f"input not found: {tmp_path / 'docs.jsonl'}\n" in capsys.readouterr().err
    (tmp_path / "parquet").mkdir()
    (tmp_path / "parquet" / "part-0.parquet").write_bytes(b"PAR1")
    assert main(["ingest", str(tmp_path / "parquet"), "--output", str(tmp_path / "o6"), "--quiet"]) == 2
    assert f"{tmp_path / 'parquet'}: a folder without a file to read (none is named .warc, .warc.gz" \
        in capsys.readouterr().err
    assert not any((tmp_path / name).exists() for name in ("o", "o1", "o4", "o5", "o6"))
    assert main(["ingest", "--crawl", "CC-2024", "--output", str(tmp_path / "o2")]) == 2
    assert "not a crawl id like CC-MAIN-2024-10" in capsys.readouterr().err
    assert main(["ingest", "--output", str(tmp_path / "o3")]) == 2
    assert "curate ingest: error: give INPUT files or --crawl" in capsys.readouterr().err


def test_an_output_overlapping_the_inputs_is_refused_and_unfinished_inputs_too(spark, shared_data, tmp_path, capsys):
    """An output over the inputs or inside their folder is refused before any work (with --overwrite it would
    delete them; a rerun would read its own output), and so is the output of a job that never finished."""
    docs = tmp_path / "docs"
    warc = str(shared_data / "cc/resiliparse-warcfile.warc.gz")
    assert main(["ingest", warc, "--output", str(docs), "--extractor", "resiliparse", "--quiet"]) == 0
    before = {part: part.read_bytes() for part in docs.glob("part-*.parquet")}
    (tmp_path / "link").symlink_to(docs)  # resolves to the input (`link2 -> docs2`): --overwrite deleted docs2
    for output in (docs, docs / "signals", tmp_path / "link", tmp_path / "link" / "signals"):
        assert main(["signals", str(docs), "--output", str(output), "--overwrite", "--quiet"]) == 2
        assert f"--output {output} overlaps the input" in capsys.readouterr().err
    recipe = tmp_path / "english.yaml"
    recipe.write_text(f"name: english\ninputs:\n  - path: {docs}\nfilters:\n  english: \"language = 'en'\"\n"
                      f"output:\n  path: {tmp_path / 'link'}\n")
    assert main(["subset", str(recipe), "--overwrite", "--quiet"]) == 2
    assert f"output.path: {tmp_path / 'link'} overlaps the input {docs}" in capsys.readouterr().err
    assert before and {part: part.read_bytes() for part in docs.glob("part-*.parquet")} == before
    assert not (docs / "signals").exists()

    (docs / "_SUCCESS").unlink()  # as a job killed before its end leaves it
    assert main(["signals", str(docs), "--output", str(tmp_path / "signals"), "--quiet"]) == 2
    assert f"{docs} is the output of an unfinished curate ingest job" in capsys.readouterr().err


def test_a_finished_subset_rerun_prints_its_rules_in_recipe_order(deduplicated, tmp_path, capsys):
    recipe = tmp_path / "r.yaml"
    recipe.write_text(subset_recipe(deduplicated, tmp_path / "subset"))
    printed = []
    for _ in range(2):  # the second run finds the output complete and prints its books from _stats.json
        assert main(["subset", str(recipe), "--quiet"]) == 0
        printed.append(capsys.readouterr())
    assert "already complete" in printed[1].err
    rules = [line.split()[1] for line in printed[1].out.splitlines() if line.startswith("dropped:")]
    assert rules == ["dedup", *SUBSET_RULES]
    assert printed[1].out == printed[0].out


def test_ingest_says_its_documents_languages_and_every_command_prints_paths_as_typed(
        shared_data, deduplicated, tmp_path, monkeypatch, capsys):
    """Relative to the current folder, as the user typed them: subset and report printed absolute paths."""
    monkeypatch.chdir(tmp_path)
    warc = str(shared_data / "cc/resiliparse-warcfile.warc.gz")
    assert main(["ingest", warc, "--output", "docs", "--extractor", "resiliparse", "--quiet"]) == 0
    printed = capsys.readouterr().out
    kept = json.loads((tmp_path / "docs" / "_stats.json").read_text())["kept"]
    languages = Counter(pq.read_table(tmp_path / "docs", columns=["language"]).column("language").to_pylist())
    lang, count = languages.most_common(1)[0]
    assert "\noutput: docs\n" in printed and f"\n{kept:,} documents in docs/ (Parquet)\n" in printed
    assert f"\nlanguages: {lang} {count:,}" in printed
    (tmp_path / "r.yaml").write_text(subset_recipe(deduplicated, Path("out/subset")))
    assert main(["subset", "r.yaml"]) == 0
    printed = capsys.readouterr()
    assert "\noutput: out/subset\n" in printed.out and "\n[subset] done in " in "\n" + printed.err  # progress
    assert main(["report", "./out/subset"]) == 0
    printed = capsys.readouterr()
    assert printed.out == "report: out/subset/report.html\n" and "[report] done in " in printed.err


def test_inputs_of_one_file_name_are_refused_and_one_file_is_read_once(shared_data, tmp_path, capsys):
    """Ids come from the file's name: two copies would give documents of the same ids."""
    warc = shared_data / "cc/whirlwind.warc.gz"
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / warc.name).write_bytes(warc.read_bytes())
    assert main(["ingest", str(warc), str(tmp_path / "copy"), "--output", str(tmp_path / "o")]) == 2
    assert (f"two inputs have the file name {warc.name}: {warc} and {tmp_path / 'copy' / warc.name}; document ids "
            "are made from the file's name") in capsys.readouterr().err
    (tmp_path / "link").mkdir()
    (tmp_path / "link" / warc.name).symlink_to(warc)
    from pipeline.storage.inputs import expand_inputs
    spellings = [str(warc), str(tmp_path / "link"), f"{warc.parent}/../{warc.parent.name}/{warc.name}"]
    assert expand_inputs(spellings) == [str(warc)]
    assert not (tmp_path / "o").exists()


def test_crawl_options_without_a_crawl_and_an_output_that_is_a_file_are_refused(shared_data, tmp_path, capsys):
    warc = str(shared_data / "cc/whirlwind.warc.gz")
    assert main(["ingest", warc, "--format", "wet", "--segments", "0", "--output", str(tmp_path / "o")]) == 2
    assert "--segments and --format: only with --crawl CC-MAIN-YYYY-WW" in capsys.readouterr().err
    (tmp_path / "afile").write_text("mine")
    for output in (tmp_path / "afile", tmp_path / "afile" / "sub"):
        assert main(["ingest", warc, "--output", str(output)]) == 2
        assert f"{output}: {tmp_path / 'afile'} is not a folder; choose a folder" in capsys.readouterr().err
    assert (tmp_path / "afile").read_text() == "mine" and not (tmp_path / "o").exists()


@pytest.mark.parametrize("master", ["local[9]x", "spark://nohost", "spark://host:port", "spark://a:7077,b"])
def test_a_malformed_master_is_refused_in_one_line_before_spark_starts(tmp_path, capsys, master):
    with pytest.raises(SystemExit) as refused:
        main(["signals", str(tmp_path / "d.jsonl"), "--output", str(tmp_path / "o"), "--master", master])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert f"curate signals: error: --master {master!r} is not a Spark master: local[*], local[N], spark://HOST:PORT" \
        in err
    assert "Traceback" not in err and "Exception" not in err


def test_a_standalone_master_nobody_runs_is_named_before_spark_starts(tmp_path, capsys):
    """In one line, and with the exit status and the form of every other refusal."""
    (tmp_path / "d.jsonl").write_text('{"id": "a", "text": "some words"}\n')
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        master = f"spark://127.0.0.1:{unused.getsockname()[1]}"
    assert main(["signals", str(tmp_path / "d.jsonl"), "--output", str(tmp_path / "o"), "--master", master]) == 2
    assert capsys.readouterr().err == (f"curate signals: error: cannot reach the Spark master {master}: nothing "
                                       "accepts a connection there (is it running?)\n")
    assert not (tmp_path / "o").exists()


def test_a_java_home_without_java_is_named(monkeypatch, tmp_path):
    from pipeline.spark.session import java_problem

    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    assert java_problem() == f"JAVA_HOME={tmp_path} holds no bin/java: point it at a Java 17+ installation, or unset it"


def test_languages_the_model_does_not_know_are_refused_before_spark_starts(shared_data, tmp_path, capsys):
    warc = str(shared_data / "cc/whirlwind.warc.gz")
    for wanted, said in (("en,english", "--languages english: not a language of lid.176.ftz; "),
                         ("eng", "--languages eng: not a language of lid.176.ftz (did you mean 'en'?)")):
        assert main(["ingest", warc, "--output", str(tmp_path / "o"), "--languages", wanted]) == 2
        assert said in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_a_file_that_is_no_language_model_is_refused_before_spark_starts(shared_data, tmp_path, capsys):
    warc = str(shared_data / "cc/whirlwind.warc.gz")
    assert main(["ingest", warc, "--output", str(tmp_path / "o"), "--lid-model", warc]) == 2
    assert f"{warc}: not a fastText model" in capsys.readouterr().err
    assert main(["ingest", warc, "--output", str(tmp_path / "o"), "--lid-model", str(tmp_path / "lid.bin")]) == 2
    assert f"language-ID model not found: {tmp_path / 'lid.bin'}" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_inputs_none_of_which_is_a_warc_are_refused_before_spark_starts(shared_data, tmp_path, capsys):
    documents = str(shared_data / "cc/dolma-cc_en_head-0091.jsonl.gz")
    assert main(["ingest", documents, "--output", str(tmp_path / "o")]) == 2
    assert (f"curate ingest: error: {documents}: not a WARC/WET file (no record header line such as "
            "`WARC/1.0`, plain or gzipped, in its first MiB)") in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_every_local_input_that_is_no_warc_is_refused_before_spark_starts(shared_data, tmp_path, capsys):
    """`curate ingest README.md` beside a real WARC used to run and seal `not_a_warc 1`: each input is checked."""
    readme = tmp_path / "README.md"
    readme.write_text("# curate\n\nStatus: the ingest stage (WARC/WET to documents) is built.\nWARC/1.0 records\n")
    png = tmp_path / "logo.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    warc, wet = str(shared_data / "cc/whirlwind.warc.gz"), str(shared_data / "cc/ccnet-sample.warc.wet.txt")
    assert main(["ingest", warc, wet, str(readme), str(png), "--output", str(tmp_path / "o")]) == 2
    assert capsys.readouterr().err == (f"curate ingest: error: {readme} (and 1 more): not a WARC/WET file (no "
                                       "record header line such as `WARC/1.0`, plain or gzipped, in its first MiB)\n")
    assert not (tmp_path / "o").exists()


def test_a_job_whose_every_input_failed_exits_non_zero(spark, shared_data, tmp_path, capsys):
    """Inputs the driver cannot check (remote) that all turn out junk or missing: the output is sealed with the
    books, and the exit status says the job produced nothing."""
    with LoopbackServer({"/junk.warc.gz": b"<html>not a WARC</html>\n" * 40}) as server:
        junk, gone = server.url("/junk.warc.gz"), server.url("/gone.warc.gz")
        assert main(["ingest", junk, "--output", str(tmp_path / "junk"), "--quiet"]) == 2
        assert capsys.readouterr().err.endswith("curate ingest: error: nothing kept: every record read was an "
                                                "error (not_a_warc 1); see the table above\n")
        assert main(["ingest", gone, "--on-missing", "skip", "--output", str(tmp_path / "gone"), "--quiet",
                     "--retries", "1"]) == 2
        assert "every record read was an error (missing_input 1)" in capsys.readouterr().err
    assert json.loads((tmp_path / "junk" / "_stats.json").read_text())["errors"] == {"not_a_warc": 1}


def test_a_selection_that_keeps_nothing_and_a_finished_rerun_exit_zero(spark, shared_data, tmp_path, capsys):
    warc = str(shared_data / "cc/whirlwind.warc.gz")
    for _ in range(2):  # the second run finds every unit committed
        assert main(["ingest", warc, "--languages", "ja", "--output", str(tmp_path / "o"), "--quiet"]) == 0
    assert "error" not in capsys.readouterr().err
    stats = json.loads((tmp_path / "o" / "_stats.json").read_text())
    assert stats["kept"] == 0 and stats["dropped"]["language_not_wanted"] > 0


def test_a_bad_input_is_named_without_advising_a_rerun(spark, tmp_path, capsys):
    """A rerun reads a bad input again unchanged: the error names it and what is committed, and stops there."""
    (tmp_path / "docs.jsonl").write_text('{"id": "a", "text": "some words"}\n')
    bad = tmp_path / "notes.jsonl"
    bad.write_text('{"id": "a", "body": "no text column"}\n')
    assert main(["signals", str(tmp_path / "docs.jsonl"), str(bad), "--output", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert f"1 of 2 inputs could not be read (the other is committed):\n  {bad}: no `text` column (has: id, body)" \
        in err
    assert "rerun" not in err


def test_the_corrected_run_goes_into_the_output_of_a_refused_one(spark, tmp_path, capsys):
    """A run that committed nothing (its only input refused) does not hold the output against the next one."""
    bad = tmp_path / "notes.jsonl"
    bad.write_text('{"id": "a", "body": "no text column"}\n')
    assert main(["signals", str(bad), "--output", str(tmp_path / "o"), "--quiet"]) == 2
    (tmp_path / "docs.jsonl").write_text('{"id": "a", "text": "some words"}\n')
    assert main(["signals", str(tmp_path / "docs.jsonl"), "--output", str(tmp_path / "o"), "--quiet"]) == 0
    assert json.loads((tmp_path / "o" / "_stats.json").read_text())["kept"] == 1


def test_a_bad_input_fixed_in_place_is_read_on_the_rerun(spark, tmp_path):
    """The committed input is not read again; the one that failed, now fixed, is, and the output is whole."""
    (tmp_path / "docs.jsonl").write_text('{"id": "a", "text": "some words"}\n')
    notes = tmp_path / "notes.jsonl"
    notes.write_text('{"id": "b", "body": "no text column"}\n')
    command = ["signals", str(tmp_path / "docs.jsonl"), str(notes), "--output", str(tmp_path / "o"), "--quiet"]
    assert main(command) == 2
    notes.write_text('{"id": "b", "text": "more words here"}\n')
    assert main(command) == 0
    assert json.loads((tmp_path / "o" / "_stats.json").read_text())["kept"] == 2


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--max-page-bytes", "5XB", "5XB is not a size like 5MB"),
    ("--max-page-bytes", "0", "0 is not a size like 5MB"),
    ("--min-chars", "-3", "-3 is not a whole number >= 0"),
    ("--limit-records", "0", "0 is not a whole number >= 1"),
    ("--limit-files", "2.5", "2.5 is not a whole number >= 1"),
    ("--retries", "0", "0 is not a whole number >= 1"),
    ("--extract-timeout", "-1", "-1 is not a number >= 0"),
    ("--retry-wait", "nan", "nan is not a number >= 0"),
])
def test_numbers_out_of_range_are_refused_by_name_in_one_line(tmp_path, capsys, option, value, said):
    with pytest.raises(SystemExit) as refused:
        main(["ingest", str(tmp_path / "x.warc.gz"), "--output", str(tmp_path / "o"), option, value])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"curate ingest: error: {option} {said}") and err.endswith("(see curate ingest --help)\n")
    assert err.count("\n") == 1  # not the usage block of every option


def test_an_unknown_command_or_option_is_said_in_one_line(capsys):
    for argv, said in ((["ingst"], "curate: error: command: invalid choice: 'ingst'"),
                       (["subset", "r.yaml", "--bogus"], "curate: error: unrecognized arguments: --bogus")):
        with pytest.raises(SystemExit) as refused:
            main(argv)
        assert refused.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith(said) and err.count("\n") == 1


def test_version_is_the_installed_distributions(capsys):
    setup = configparser.ConfigParser()
    setup.read(REPO / "setup.cfg")
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"curate {setup['metadata']['version']}"


@pytest.mark.parametrize("command", ["signals", "dedup"])
def test_a_warc_given_for_documents_is_refused_by_its_name(shared_data, tmp_path, capsys, command):
    warc = shared_data / "cc" / "whirlwind.warc.gz"
    assert main([command, str(warc), "--output", str(tmp_path / "o")]) == 2
    assert (f"curate {command}: error: {warc} is a WARC/WET file, not documents: `curate ingest` turns it into "
            "documents") in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_artifacts_the_signals_lack_are_said_before_spark_starts(shared_data, tmp_path):
    """The warnings about absent model folders came after every file was done; they are the first lines now,
    before the JVM's and the progress lines, and each is said once."""
    documents = tmp_path / "docs.jsonl"
    documents.write_text('{"id": "a", "text": "some words here", "language": "en", "url": "https://example.com/"}\n')
    artifacts = shared_data / "artifacts"  # word lists only
    done = subprocess.run([CURATE, "signals", str(documents), "--artifacts", str(artifacts), "--output",
                           str(tmp_path / "o"), "--master", "local[1]"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stderr.splitlines()
    warned = [n for n, line in enumerate(lines) if f"--artifacts {artifacts} has no" in line]
    absent = [line.split(" has no ")[1].split(":")[0] for line in (lines[n] for n in warned)]
    assert absent == ["bad_urls/", "classifiers/", "dsir/", "lm/"]
    assert warned == list(range(len(warned))), done.stderr  # the first lines, before Spark says anything


def test_on_error_skip_seals_dedup_without_the_file_that_breaks_a_worker(spark, tmp_path, capsys):
    good, broken = tmp_path / "good.jsonl", tmp_path / "broken.parquet"
    good.write_text("".join(json.dumps({"id": str(i), "text": f"document {i} " * 30}) + "\n" for i in range(5)))
    broken_parquet(broken)
    assert main(["dedup", str(good), str(broken), "--on-error", "skip", "--output", str(tmp_path / "out"),
                 "--quiet"]) == 0
    stats = json.loads((tmp_path / "out" / "_stats.json").read_text())
    assert (stats["kept"], stats["inputs"]["skipped"]) == (5, [str(broken)])
    with pytest.raises(SystemExit) as refused:
        main(["dedup", str(good), "--on-error", "sometimes", "--output", str(tmp_path / "o2")])
    assert refused.value.code == 2 and "--on-error: invalid choice: 'sometimes'" in capsys.readouterr().err
