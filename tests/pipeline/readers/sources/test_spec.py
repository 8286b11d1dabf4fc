"""Source files: read into a checked Source, every mistake said as `file:line: key: message` with the closest key."""

import pytest

from pipeline.readers.sources.registry import reader_module
from pipeline.readers.sources.spec import SourceError, load_source, parse_source
from tests.helpers.paths import REPO

GOOD = """name: docs
reader: jsonl
paths: [docs/*.jsonl]
license: cc by 4.0
columns: {text: body, url: link}
attribution: "The authors, https://example.org"
"""


def test_a_good_source_file_is_read_with_its_licence_as_an_spdx_id():
    source = parse_source(GOOD, "docs.yaml")
    assert (source.name, source.reader, source.paths) == ("docs", "jsonl", ["docs/*.jsonl"])
    assert source.license == "CC-BY-4.0"
    assert source.columns == {"text": "body", "url": "link"}
    assert source.document_meta() == {"attribution": "The authors, https://example.org"}


def test_the_built_in_sources_load(tmp_path):
    paths = sorted((REPO / "recipes" / "sources").glob("*.yaml"))
    assert paths
    for path in paths:
        source = load_source(str(path))
        derives = getattr(reader_module(source.reader), "DERIVES_LICENSE", False)  # per page, post or volume
        assert derives or source.license or source.license_column


@pytest.mark.parametrize("text, line, said", [
    (GOOD.replace("columns:", "colums:"), 5, "colums: unknown key (did you mean 'columns'?)"),
    (GOOD.replace("reader: jsonl", "reader: jsnl"), 2, "reader: unknown reader 'jsnl' (did you mean 'jsonl'?)"),
    (GOOD.replace("cc by 4.0", "CC-BY-4"), 4, "license: 'CC-BY-4' is no licence the SPDX table knows"),
    (GOOD.replace("license: cc by 4.0\n", ""), 1, "license: missing: the jsonl reader needs `license:`"),
    (GOOD.replace("{text: body, url: link}", "{txt: body}"), 5, "columns.txt: not a column the jsonl reader maps "
                                                                "(did you mean 'text'?)"),
    (GOOD.replace("paths: [docs/*.jsonl]\n", ""), 1, "paths: missing (required)"),
    (GOOD + "language: no\n", 7, "language: should be text, not the boolean false"),
    (GOOD + "options:\n  split: test\n  confg: x\n", 9, "options.confg: unknown key (did you mean 'config'?)"),
    ("name: w\nreader: mediawiki\npaths: [d.xml]\ncolumns: {text: body}\n", 4,
     "columns.text: not a column the mediawiki reader maps"),
    ("name: w\nreader: mediawiki\npaths: [d.xml]\noptions:\n  license_switch: 2023-06-07\n", 5,
     "options.license_switch: "),
    ("name: w\nreader: mediawiki\npaths: [d.xml]\noptions: {license_from: CC-BY-SA-5.0}\n", 4,
     "options.license_from: 'CC-BY-SA-5.0' is no licence"),
    ("- name: w\n", 1, "a source file is a YAML mapping"),
    ("name: w\nname: v\n", 2, "name: given twice"),
])
def test_mistakes_are_named_by_file_line_and_key(tmp_path, text, line, said):
    path = tmp_path / "source.yaml"
    path.write_text(text)
    with pytest.raises(SourceError) as error:
        load_source(str(path))
    assert str(error.value).startswith(f"{path}:{line}: {said}"), str(error.value)


def test_an_unreadable_source_file_is_named(tmp_path):
    with pytest.raises(SourceError, match="absent.yaml: cannot read the source file"):
        load_source(str(tmp_path / "absent.yaml"))
