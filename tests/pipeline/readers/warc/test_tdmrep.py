"""The tdmrep.json files of a WARC file, and which capture of a site's file applies."""

from licenses.optout import SiteRule
from pipeline.demo.warc_writer import http_response, warc_record, write_warc
from pipeline.readers.warc.tdmrep import MAX_FILE, crawl_sites, tdmrep_files
from pipeline.storage.locations import open_input
from tests.helpers.warc_fixtures import page_record

WELL_KNOWN = "/.well-known/tdmrep.json"


def site_file(host: str, body: bytes, date: str = "2024-02-20T12:00:00Z", status: int = 200) -> bytes:
    return warc_record("response", http_response(body, "application/json", status=status),
                       uri=f"https://{host}{WELL_KNOWN}", date=date)


def files_of(tmp_path, records: list[bytes]) -> list[dict]:
    path = tmp_path / "crawl.warc.gz"
    write_warc(str(path), records)
    return tdmrep_files(lambda offset: open_input(str(path), offset), path.name)


def test_the_latest_capture_of_each_site_applies_and_a_bad_file_is_named(tmp_path):
    rows = files_of(tmp_path, [
        page_record(1),
        site_file("a.example", b'[{"location": "/", "tdm-reservation": 0}]', "2024-01-01T00:00:00Z"),
        site_file("a.example", b'[{"location": "/news/", "tdm-reservation": 1, "tdm-policy": "https://a.example/p"}]',
                  "2024-03-01T00:00:00Z"),
        site_file("b.example", b"<html>not found</html>"),
        site_file("c.example", b"", status=404),  # no file: the site states nothing there
        warc_record("response", http_response(b"[]", "application/json"), uri="https://d.example/x/tdmrep.json"),
    ])
    assert [row["site"] for row in rows] == ["a.example", "a.example", "b.example"]
    sites, found = crawl_sites(rows)
    assert sites == {"a.example": [SiteRule("/news/", True, "https://a.example/p")]}
    assert found["sites"] == ["a.example"]
    assert list(found["unreadable"]) == [f"https://b.example{WELL_KNOWN}"]
    assert found["unreadable"][f"https://b.example{WELL_KNOWN}"].startswith("not JSON")


def test_a_file_larger_than_the_pass_reads_is_unreadable(tmp_path):
    rules = b"[" + b",".join(b'{"location": "/p%d/", "tdm-reservation": 1}' % n for n in range(MAX_FILE // 30)) + b"]"
    assert len(rules) > MAX_FILE
    _, found = crawl_sites(files_of(tmp_path, [site_file("big.example", rules)]))
    assert list(found["unreadable"]) == [f"https://big.example{WELL_KNOWN}"]
