import json
from collections import Counter

import pyarrow.parquet as pq
import pytest

from licenses.spdx import PUBLIC_DOMAIN, tier
from pipeline.accounting import Stats
from pipeline.cli.main import main
from pipeline.readers.sources.books import documents, publication_year
from pipeline.readers.sources.spec import Piece, SourceError, parse_source
from tests.helpers.books import collection, write_jsonl, write_parquet


def _source(extra: str = "") -> object:
    return parse_source(f"name: books\nreader: books\npaths: [x]\n{extra}", "books.yaml")


def _read(path, source=None) -> tuple[dict[str, dict], Stats]:
    stats = Stats()
    rows = {row["meta"]["volume_id"]: row for row in documents(Piece(str(path)), source or _source(), stats)}
    stats.keep(len(rows))  # as the stage counts them
    return rows, stats


@pytest.mark.parametrize("write", [write_parquet, write_jsonl])
def test_public_domain_volumes_come_out_clean_and_the_others_are_dropped_by_reason(tmp_path, write):
    volumes = collection()
    rows, stats = _read(write(volumes, tmp_path / f"volumes.{write.__name__[6:]}"))
    kept = [v for v in volumes if v.fate == "kept"]
    assert sorted(rows) == sorted(v.row["barcode_src"] for v in kept)
    assert stats.dropped == Counter(v.fate for v in volumes if v.fate != "kept") and stats.balanced
    for v in kept:
        row = rows[v.row["barcode_src"]]
        assert row["text"] == "\n\n".join(v.paragraphs)
        assert row["license"] == PUBLIC_DOMAIN and row["ocr_score"] == v.row["ocr_score_src"]
        assert row["meta"]["title"] == v.row["title_src"]
        assert row["meta"]["pages"] == str(len(v.row["text_by_page_src"]))
        rights = v.row["hathitrust_data_ext"]
        assert row["url"] == (rights["url"] if rights else None)
        assert row["meta"]["public_domain_by"].endswith(rights["rights_code"] if rights else "before 1931")
        assert "pd, pdus" in row["meta"]["public_domain_rule"]


def test_the_public_domain_rule_is_the_source_files(tmp_path):
    volumes = collection()
    source = _source("options:\n  public_domain: {rights: [pd], before_year: null}\n")
    rows, stats = _read(write_parquet(volumes, tmp_path / "v.parquet"), source)
    by_rights = [v for v in volumes if v.fate == "kept" and v.row["hathitrust_data_ext"]
                 and v.row["hathitrust_data_ext"]["rights_code"] == "pd"]
    assert sorted(rows) == sorted(v.row["barcode_src"] for v in by_rights)
    assert stats.dropped["rights_not_public_domain"] == sum(
        1 for v in volumes if v.row["hathitrust_data_ext"] and v.row["hathitrust_data_ext"]["rights_code"] != "pd")
    assert stats.dropped["no_rights_or_year"] == sum(1 for v in volumes if not v.row["hathitrust_data_ext"])


def test_fields_named_otherwise_are_mapped_in_the_source_file(tmp_path):
    volumes = [v for v in collection() if v.fate == "kept"]
    for v in volumes:
        v.row["pages"] = v.row.pop("text_by_page_src")
        v.row["rights"] = v.row.pop("hathitrust_data_ext")
    source = _source("options:\n  fields: {pages: pages, rights: rights.rights_code, url: rights.url}\n")
    rows, _ = _read(write_jsonl(volumes, tmp_path / "v.jsonl"), source)
    assert {k: r["text"] for k, r in rows.items()} == {v.row["barcode_src"]: "\n\n".join(v.paragraphs)
                                                       for v in volumes}


def test_broken_lines_and_volumes_are_errors_naming_the_file_and_the_line(tmp_path):
    volumes = collection()[:1]
    broken = {**volumes[0].row, "barcode_src": "HXBAD", "text_by_page_src": "one string"}
    path = write_jsonl(volumes, tmp_path / "v.jsonl", ("{not json\n", json.dumps(broken) + "\n"))
    rows, stats = _read(path)
    assert list(rows) == [volumes[0].row["barcode_src"]]
    assert stats.errors == Counter(invalid_json=1, bad_volume=1)
    assert stats.examples["invalid_json"][0].startswith(f"{path}:2: ")
    assert stats.examples["bad_volume"][0] == f"{path}: line 3: `text_by_page_src` is not a list of page texts"


def test_the_year_of_publication_is_the_latest_marc_date_read_at_its_latest():
    assert publication_year(["18uu", "    "]) == 1899
    assert publication_year(["1869", "1871"]) == 1871  # a multipart work: its last part
    assert publication_year(["1850", "9999"]) is None  # still being published
    assert publication_year(["uuuu", None]) is None and publication_year(["||||"]) is None


def test_a_mistake_in_the_options_names_the_line_and_the_closest_key():
    with pytest.raises(SourceError, match=r"books.yaml:6: options.public_domain.befor_year: .*before_year"):
        _source("options:\n  public_domain:\n    befor_year: 1900\n")


def test_volumes_come_out_as_public_domain_documents_through_curate_ingest(spark, tmp_path):
    parquet, lines = collection(seed=1), collection(seed=2)
    for v in lines:
        v.row["barcode_src"] += "J"
    folder = tmp_path / "ib"
    folder.mkdir()
    write_parquet(parquet, folder / "part-0.parquet")
    write_jsonl(lines, folder / "part-1.jsonl")
    source = tmp_path / "books.yaml"
    source.write_text(f"name: books\nreader: books\npaths: [{folder}/]\n")
    output = tmp_path / "docs"
    assert main(["ingest", "--source", str(source), "--output", str(output), "--quiet"]) == 0
    table = pq.read_table(output)
    assert table.schema.field("ocr_score").type == "float"
    rows = {dict(row["meta"])["volume_id"]: row for row in table.to_pylist()}
    volumes = parquet + lines
    assert {k: (r["text"], r["ocr_score"], r["license"], r["license_tier"]) for k, r in rows.items()} == \
        {v.row["barcode_src"]: ("\n\n".join(v.paragraphs), v.row["ocr_score_src"], PUBLIC_DOMAIN, tier(PUBLIC_DOMAIN))
         for v in volumes if v.fate == "kept"}
    stats = json.loads((output / "_stats.json").read_text())
    assert stats["dropped"] == dict(Counter(v.fate for v in volumes if v.fate != "kept"))
    assert stats["read"] == len(volumes) == stats["kept"] + sum(stats["dropped"].values()) and not stats["errors"]
    recipe = tmp_path / "good-ocr.yaml"  # a recipe filters on the score
    recipe.write_text(f"name: good-ocr\ninputs: [{{path: {output}}}]\nfilters: {{good_ocr: ocr_score >= 80}}\n"
                      f"output: {{path: {tmp_path / 'subset'}}}\n")
    assert main(["subset", str(recipe), "--quiet"]) == 0
    subset = json.loads((tmp_path / "subset" / "_stats.json").read_text())
    assert subset["kept"] == sum(v.fate == "kept" and v.row["ocr_score_src"] >= 80 for v in volumes) > 0
