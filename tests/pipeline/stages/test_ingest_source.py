"""`curate ingest --source`: a source's files into documents on Spark, a multistream dump in slices, each slice a
unit committed on its own; the command's refusals before Spark starts."""

import json

import pyarrow.parquet as pq

from pipeline.accounting import Stats
from pipeline.cli.main import main
from pipeline.readers.sources import mediawiki
from pipeline.readers.sources.spec import Piece, load_source
from pipeline.stages.ingest_source import run_source_ingest
from tests.helpers.mediawiki_dumps import article, disambiguation, redirect, write_multistream

COMPARED = ("id", "text", "url", "date", "license", "language", "source")


def documents(folder) -> list[dict]:
    rows = pq.read_table(folder, columns=[*COMPARED, "license_tier"]).to_pylist()
    return sorted(rows, key=lambda row: row["id"])


def test_a_multistream_dump_is_read_in_slices_each_committed_and_resumed_alone(spark, tmp_path, lid_model):
    pages = [article(i, f"Article {i}") for i in range(1, 31)] + [redirect(31, "R", "Article 1"),
                                                                  disambiguation(32, "D")]
    dump, _ = write_multistream(tmp_path, "wiki", pages, per_stream=3)
    (tmp_path / "wiki.yaml").write_text(f"name: wiki\nreader: mediawiki\npaths: [{dump}]\n"
                                        "options: {slice_bytes: 2000}\n")
    source = load_source(str(tmp_path / "wiki.yaml"))
    slices = mediawiki.split(str(dump), source, Piece(str(dump)).retry)
    out = tmp_path / "docs"
    stats = run_source_ingest(spark, source, [str(dump)], str(out), lid_model, progress=False)

    whole = Stats()
    expected = sorted(({key: row[key] for key in COMPARED} for row in mediawiki.documents(Piece(str(dump)), source,
                                                                                          whole)),
                      key=lambda row: row["id"])
    assert [{key: row[key] for key in COMPARED} for row in documents(out)] == expected
    assert {row["license_tier"] for row in documents(out)} == {"share_alike"}
    assert (stats["read"], stats["kept"], stats["dropped"]) == (32, 30, {"redirect": 1, "disambiguation": 1})
    assert stats["inputs"]["files"] == 1
    records = sorted((out / "_units").glob("*.json"))
    assert len(slices) > 2 and len(records) == len(slices)
    assert sorted(tuple(json.loads(r.read_text())["span"]) for r in records) == slices

    # a crash after some slices: the rerun redoes only the slice not committed
    lost = json.loads(records[1].read_text())
    for name in ("_SUCCESS", "_stats.json", "_manifest.json", *(entry["file"] for entry in lost["files"])):
        (out / name).unlink()
    records[1].unlink()
    times = {r.name: r.stat().st_mtime_ns for r in records if r.exists()}
    again = run_source_ingest(spark, source, [str(dump)], str(out), lid_model, progress=False)
    assert again == stats and {r.name: r.stat().st_mtime_ns for r in records if r.name in times} == times
    assert [{key: row[key] for key in COMPARED} for row in documents(out)] == expected


def test_curate_ingest_source_reads_json_lines_and_identifies_their_language(spark, tmp_path, lid_model, capsys):
    folder = tmp_path / "jsonl"
    folder.mkdir()
    texts = {"en": "The cat sat on the mat and looked out of the window at the birds in the garden.",
             "de": "Die Katze sitzt auf der Matte und schaut aus dem Fenster in den Garten hinaus."}
    (folder / "a.jsonl").write_text("".join(json.dumps({"body": text, "lang_hint": language}) + "\n"
                                            for language, text in texts.items()))
    (folder / "README.md").write_text("not read: not named as JSON lines\n")
    (tmp_path / "src.yaml").write_text(f"name: ex\nreader: jsonl\npaths: [{folder}]\nlicense: CC0\n"
                                       "columns: {text: body}\n")
    assert main(["ingest", "--source", str(tmp_path / "src.yaml"), "--output", str(tmp_path / "out"), "--quiet",
                 "--lid-model", lid_model]) == 0
    rows = pq.read_table(tmp_path / "out").to_pylist()
    assert {row["text"]: row["language"] for row in rows} == {text: language for language, text in texts.items()}
    assert {(row["license"], row["license_tier"], row["source"]) for row in rows} == {("CC0-1.0", "public_domain",
                                                                                       "ex")}
    assert all(row["language_score"] > 0.5 for row in rows)
    assert json.loads((tmp_path / "out" / "_job.json").read_text())["stage"] == "ingest-source"


def test_mistakes_are_refused_before_spark_starts(tmp_path, capsys):
    (tmp_path / "bad.yaml").write_text("name: ex\nreader: jsonl\npaths: [x.jsonl]\nlicence: MIT\n")
    assert main(["ingest", "--source", str(tmp_path / "bad.yaml"), "--output", str(tmp_path / "o")]) == 2
    assert (f"curate ingest: error: {tmp_path / 'bad.yaml'}:4: licence: unknown key (did you mean 'license'?)"
            in capsys.readouterr().err)
    (tmp_path / "good.yaml").write_text("name: ex\nreader: jsonl\npaths: [absent.jsonl]\nlicense: MIT\n")
    assert main(["ingest", "--source", str(tmp_path / "good.yaml"), "--output", str(tmp_path / "o")]) == 2
    assert "input not found: " in capsys.readouterr().err
    assert main(["ingest", "x.warc.gz", "--source", str(tmp_path / "good.yaml"), "--output", str(tmp_path / "o")]) == 2
    assert "--source reads the files its source file names: no INPUT beside it" in capsys.readouterr().err
