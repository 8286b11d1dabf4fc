"""JSON lines, Parquet and Hugging Face dataset folders into documents through the column mapping."""

import gzip
import json
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from licenses.spdx import spdx_id
from pipeline.accounting import Stats
from pipeline.readers.sources import tabular
from pipeline.readers.sources.rows import document_id
from pipeline.readers.sources.spec import Piece, parse_source
from pipeline.storage.locations import BadInput

LICENCES = ["CC BY 4.0", "cc0", "MIT License", "all rights reserved"]


def records(n: int = 12) -> list[dict]:
    start = datetime(2021, 5, 1, tzinfo=UTC)
    return [{"key": f"r{i}", "body": f"Text number {i}.", "link": f"https://example.org/{i}",
             "when": (start + timedelta(hours=i)).isoformat(), "lic": LICENCES[i % len(LICENCES)]} for i in range(n)]


def source(reader: str, extra: str = "license_column: lic\n"):
    return parse_source(f"name: ex\nreader: {reader}\npaths: [x]\ncolumns: {{id: key, text: body, url: link, "
                        f"date: when}}\nlanguage: en\nattribution: Example authors\n{extra}", "ex.yaml")


def read(location, src) -> tuple[list[dict], Stats]:
    stats = Stats()
    rows = list(tabular.documents(Piece(str(location)), src, stats))
    stats.keep(len(rows))
    return rows, stats


def expected(given: list[dict]) -> list[dict]:
    """The documents the records should give, from the records and the SPDX table."""
    return [{"id": document_id("ex", r["key"]), "text": r["body"], "url": r["link"],
             "date": datetime.fromisoformat(r["when"]), "license": spdx_id(r["lic"]), "language": "en"}
            for r in given]


def shown(rows: list[dict]) -> list[dict]:
    return [{key: row[key] for key in ("id", "text", "url", "date", "license", "language")} for row in rows]


def test_json_lines_are_read_whatever_the_file_is_called_and_bad_lines_counted(tmp_path):
    given = records()
    lines = [json.dumps(r) for r in given] + ["{not json", "[1, 2]", json.dumps({"key": "x", "body": None}),
                                              json.dumps({"key": "y", "body": "  "})]
    path = tmp_path / "docs.txt"
    path.write_bytes(gzip.compress("\n".join(lines).encode()))  # gzipped, named as nothing of the kind
    rows, stats = read(path, source("jsonl"))
    assert shown(rows) == expected(given)
    assert stats.to_dict()["errors"] == {"invalid_json": 2, "no_text": 1} and stats.dropped == {"empty_text": 1}
    assert stats.examples["invalid_json"][0].startswith(f"{path}:{len(given) + 1}: not JSON")
    first = rows[0]["meta"]
    assert first == {"file": "docs.txt", "line": "1", "source_id": "r0", "attribution": "Example authors"}
    unmapped = [row["meta"]["license_as_written"] for row in rows if row["license"] is None]
    assert unmapped == [r["lic"] for r in given if spdx_id(r["lic"]) is None]


def test_parquet_is_read_with_its_dates_and_a_fixed_licence(tmp_path):
    given = records()
    table = pa.Table.from_pylist([{**r, "when": datetime.fromisoformat(r["when"])} for r in given])
    pq.write_table(table, tmp_path / "docs.parquet", row_group_size=5)
    rows, stats = read(tmp_path / "docs.parquet", source("parquet", "license: CC-BY-SA-4.0\n"))
    assert shown(rows) == [{**doc, "license": "CC-BY-SA-4.0"} for doc in expected(given)]
    assert rows[7]["meta"]["row"] == "7" and stats.read == len(given)


def test_a_file_of_the_other_format_is_a_bad_input(tmp_path):
    pq.write_table(pa.Table.from_pylist(records()), tmp_path / "docs.jsonl")
    with pytest.raises(BadInput, match="docs.jsonl: the file is Parquet: read it with `reader: parquet`"):
        read(tmp_path / "docs.jsonl", source("jsonl"))


def test_a_dataset_folder_is_streamed_by_datasets(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # nothing downloads: the dataset is a local folder
    given = records()
    folder = tmp_path / "dataset" / "data"
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(given[:6]), folder / "train-00000-of-00002.parquet")
    pq.write_table(pa.Table.from_pylist(given[6:]), folder / "train-00001-of-00002.parquet")
    src = source("hf_dataset")
    [location] = tabular.inputs(src.model_copy(update={"paths": [str(tmp_path / "dataset")]}))
    rows, _ = read(location, src)
    assert shown(rows) == expected(given)
    assert rows[3]["meta"]["dataset"] == location and rows[3]["meta"]["split"] == "train"
    assert tabular.inputs(src.model_copy(update={"paths": ["user/name"]})) == ["hf://datasets/user/name"]


@pytest.mark.parametrize("value, when", [
    ("2024-02-03T04:05:06Z", datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)),
    ("2024-02-03T05:05:06+01:00", datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)),
    (datetime(2024, 2, 3, 4, 5, 6), datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)),
    (0, datetime(1970, 1, 1, tzinfo=UTC)),
    (None, None),
])
def test_dates_become_utc(value, when):
    assert tabular.as_utc(value) == when


def test_a_date_that_is_none_is_an_error_naming_the_row(tmp_path):
    (tmp_path / "d.jsonl").write_text(json.dumps({"key": "a", "body": "text", "when": "yesterday"}) + "\n")
    rows, stats = read(tmp_path / "d.jsonl", source("jsonl"))
    assert rows == [] and stats.examples["bad_date"] == [f"{tmp_path / 'd.jsonl'}: line 1: `when`: 'yesterday' is "
                                                         "no ISO 8601 date"]


def test_a_column_inside_a_field_and_a_list_of_licences(tmp_path):
    given = [{"body": "One.", "metadata": {"url": "https://a.example/1"}, "licenses": ["cc_by_sa_3_0"]},
             {"body": "Two.", "metadata": {"url": "https://a.example/2"}, "licenses": ["cc0", "cc_by_4_0"]},
             {"body": "Three.", "metadata": {}, "licenses": []}]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in given))
    src = parse_source("name: ex\nreader: jsonl\npaths: [x]\ncolumns: {text: body, url: metadata.url}\n"
                       "license_column: licenses\n", "ex.yaml")
    rows, _ = read(tmp_path / "d.jsonl", src)
    assert [row["url"] for row in rows] == [r["metadata"].get("url") for r in given]
    assert [row["license"] for row in rows] == [spdx_id(given[0]["licenses"][0]), None, None]
    assert rows[1]["meta"]["license_as_written"] == ", ".join(given[1]["licenses"])
    assert "license_as_written" not in rows[2]["meta"]
