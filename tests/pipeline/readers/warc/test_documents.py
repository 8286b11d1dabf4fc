"""One WARC file into documents, without Spark: real Common Crawl files, and every kind of damage."""

import gzip
import re
import signal
import time
import zlib
from pathlib import Path

import pyarrow as pa
import pytest

from pipeline.accounting import Stats
from pipeline.demo.warc_writer import http_response, warc_record
from pipeline.readers.langid import LanguageIdentifier, model_languages
from pipeline.readers.warc.documents import IngestOptions, warc_documents
from pipeline.storage.locations import open_input
from pipeline.storage.sniff import GZIP_MAGIC, looks_like_warc
from tests.helpers.http_server import Faults, LoopbackServer
from tests.helpers.warc_fixtures import bomb_record, good_records, members, page_html, page_record, split_members


@pytest.fixture(scope="module")
def lid(lid_model):
    return LanguageIdentifier(lid_model)


def ingest_file(path, lid, **options) -> tuple[pa.Table, Stats]:
    stats = Stats()
    location = str(path)
    tables = list(warc_documents(lambda offset: open_input(location, offset), location,
                                 IngestOptions(**options), lid, stats))
    assert stats.balanced, stats.to_dict()
    return pa.concat_tables(tables) if tables else None, stats


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- real Common Crawl data -------------------------------------------------------------------------

@pytest.mark.parametrize("extractor", ["trafilatura", "resiliparse"])
def test_real_warc_gives_its_16_html_pages(shared_data, lid, extractor):
    table, stats = ingest_file(shared_data / "cc/resiliparse-warcfile.warc.gz", lid, extractor=extractor)
    assert stats.read == 50 and stats.kept == 16
    assert stats.dropped == {"warcinfo": 1, "record_type_request": 17, "record_type_metadata": 16}
    rows = table.to_pylist()
    assert all(row["url"].startswith("http") for row in rows)
    assert all(row["text"].strip() for row in rows)
    assert all(row["language"] and 0 < row["language_score"] <= 1 for row in rows)
    assert {row["crawl"] for row in rows} == {"CC-MAIN-2020-34"}
    assert len({row["id"] for row in rows}) == 16
    assert {row["meta"][0][0] for row in rows}  # meta is a map
    again, _ = ingest_file(shared_data / "cc/resiliparse-warcfile.warc.gz", lid, extractor=extractor)
    assert again.column("id").to_pylist() == table.column("id").to_pylist()


def test_real_wet_passes_its_page_through(shared_data, lid):
    table, stats = ingest_file(shared_data / "cc/whirlwind.warc.wet.gz", lid)
    assert (stats.read, stats.kept) == (2, 1)
    row = table.to_pylist()[0]
    assert row["url"] == "https://an.wikipedia.org/wiki/Escopete"
    assert row["crawl"] == "CC-MAIN-2024-22"
    assert dict(row["meta"])["extractor"] == "wet"
    assert "Escopete" in row["text"]
    # the WET record's block digest: RedPajama-V2's exact-dedup key (RedPajama-Data app/src/bloomfilter.py)
    assert dict(row["meta"])["digest"] == "sha1:RDTSR52RUHWDA7QK4BK7OUHU3EXTXYUL"


def test_real_warc_and_wet_of_the_same_page_agree(shared_data, lid):
    warc, _ = ingest_file(shared_data / "cc/whirlwind.warc.gz", lid)
    wet, _ = ingest_file(shared_data / "cc/whirlwind.warc.wet.gz", lid)
    assert warc.column("url").to_pylist() == wet.column("url").to_pylist()
    assert "Biquipedia" in warc.column("text")[0].as_py()


def test_real_wat_has_no_documents_and_balanced_books(shared_data, lid):
    table, stats = ingest_file(shared_data / "cc/whirlwind.warc.wat.gz", lid)
    assert stats.kept == 0 and stats.read == 2
    assert stats.dropped == {"warcinfo": 1, "wat_metadata": 1}  # named apart from a WARC's metadata records


def test_content_encoding_stored_decoded_is_read(shared_data, lid):
    # ClueWeb keeps "Content-Encoding: gzip" on payloads it stored decoded (EUC-JP pages).
    table, stats = ingest_file(shared_data / "cc/resiliparse-clueweb-quirk.warc.gz", lid)
    assert stats.kept == 29 and not stats.errors
    assert set(table.column("language").to_pylist()) == {"ja"}


def test_language_filter(shared_data, lid):
    table, stats = ingest_file(shared_data / "cc/resiliparse-warcfile.warc.gz", lid, languages=("en",))
    assert set(table.column("language").to_pylist()) == {"en"}
    assert stats.kept + stats.dropped["language_not_wanted"] == 16


def test_the_models_languages_are_every_label_it_predicts(shared_data, lid, lid_model, tmp_path):
    import fasttext

    table, _ = ingest_file(shared_data / "cc/resiliparse-warcfile.warc.gz", lid)
    library = fasttext.load_model(lid_model)
    predicted = {label.removeprefix("__label__") for text in table.column("text").to_pylist()
                 for _, label in library.f.predict(" ".join(text.split()) + "\n", -1, 0.0, "replace")}
    languages = model_languages(lid_model)
    assert len(languages) == len(set(languages)) == 176  # lid.176
    assert predicted <= set(languages) and len(predicted) > 100
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(ValueError, match="notes.txt: not a fastText model"):
        model_languages(str(tmp_path / "notes.txt"))


# --- damage ------------------------------------------------------------------------------------------

def test_truncated_gzip_member_loses_only_that_record(tmp_path, lid):
    parts = members(good_records(10))
    parts[5] = parts[5][: len(parts[5]) // 2]
    table, stats = ingest_file(write(tmp_path, "t.warc.gz", b"".join(parts)), lid)
    assert stats.kept == 9
    assert stats.errors == {"corrupt_gzip": 1}
    assert re.search(r"t\.warc\.gz: unreadable data after the record at offset \d+", stats.examples["corrupt_gzip"][0])
    assert "Page 4" not in " ".join(table.column("text").to_pylist())


def test_garbage_between_gzip_members(tmp_path, lid):
    parts = members(good_records(10))
    data = b"".join(parts[:6]) + b"\x00garbage\xff" * 500 + b"".join(parts[6:])
    _, stats = ingest_file(write(tmp_path, "g.warc.gz", data), lid)
    assert stats.kept == 10 and sum(stats.errors.values()) == 1


def test_garbage_between_uncompressed_records(tmp_path, lid):
    records = good_records(10)
    data = b"".join(records[:4]) + b"junk line\r\n" * 300 + b"".join(records[4:])
    _, stats = ingest_file(write(tmp_path, "g.warc", data), lid)
    assert stats.kept == 10 and stats.errors == {"invalid_record": 1}


@pytest.mark.parametrize("delta", [+700, -40])
def test_wrong_content_length_is_counted_and_neighbours_kept(tmp_path, lid, delta):
    records = good_records(10)
    length = int(re.search(rb"Content-Length: (\d+)\r\n\r\n", records[5]).group(1))
    records[5] = records[5].replace(f"Content-Length: {length}\r\n\r\n".encode(),
                                    f"Content-Length: {length + delta}\r\n\r\n".encode())
    _, stats = ingest_file(write(tmp_path, "cl.warc.gz", b"".join(members(records))), lid)
    assert stats.kept == 9
    assert stats.errors["digest_mismatch"] == 1


def test_file_cut_short_counts_a_truncated_record(tmp_path, lid):
    data = b"".join(members(good_records(5)))
    raw = gzip.decompress(data)[:-300]
    _, stats = ingest_file(write(tmp_path, "cut.warc", raw), lid)
    assert stats.kept == 4 and stats.errors == {"truncated_record": 1}


@pytest.mark.parametrize("cut", [1, 5, 40, 69, 150, 300])
def test_gzip_file_cut_inside_its_last_member_counts_a_truncated_record(tmp_path, lid, cut):
    """A download cut short: a few bytes of the last member inflate to nothing (FastWARC ends in silence), a few
    more to a record header without its Content-Length, more still to a short body."""
    whole = members(good_records(5))
    _, stats = ingest_file(write(tmp_path, "cut.warc.gz", b"".join(whole[:-1]) + whole[-1][:cut]), lid)
    assert stats.read == 6 and stats.kept == 4 and stats.errors == {"truncated_record": 1}


@pytest.mark.parametrize("cut", [1, 4, 8])
def test_gzip_file_cut_in_the_checksum_of_its_last_member_keeps_the_record_and_counts_the_cut(tmp_path, lid, cut):
    whole = b"".join(members(good_records(5)))
    _, stats = ingest_file(write(tmp_path, "cut.warc.gz", whole[:-cut]), lid)
    assert stats.kept == 5 and stats.errors == {"truncated_record": 1}


@pytest.mark.parametrize("tail", [b"\n", gzip.compress(b"", mtime=0), gzip.compress(b"\r\n", mtime=0)])
def test_blank_bytes_or_members_after_the_last_record_are_no_damage(tmp_path, lid, tail):
    _, stats = ingest_file(write(tmp_path, "tail.warc.gz", b"".join(members(good_records(3))) + tail), lid)
    assert stats.kept == 3 and not stats.errors


def test_a_header_cut_after_its_content_length_name_is_a_truncated_record(tmp_path, lid):
    records = good_records(3)
    last = records[-1]
    cut = last[: last.index(b"Content-Length:") + len(b"Content-Length: ")]
    _, stats = ingest_file(write(tmp_path, "cut.warc", b"".join(records[:-1]) + cut), lid)
    assert stats.kept == 2 and stats.errors == {"truncated_record": 1}


@pytest.mark.parametrize("content", [b"just some text\n" * 100, gzip.compress(b"{'not': 'a warc'}\n" * 50, mtime=0)])
def test_not_a_warc_says_so(tmp_path, lid, content):
    table, stats = ingest_file(write(tmp_path, "notes.warc.gz", content), lid)
    assert table is None or table.num_rows == 0
    assert stats.errors == {"not_a_warc": 1} and stats.read == 1
    assert "notes.warc.gz: not a WARC file" in stats.examples["not_a_warc"][0]


def test_a_target_uri_in_angle_brackets_gives_the_bare_url(tmp_path, lid):
    bracketed = warc_record("response", http_response(page_html(1)), uri="<https://site.example/page-1>")
    table, _ = ingest_file(write(tmp_path, "wget.warc.gz", b"".join(members([bracketed]))), lid)
    assert table.column("url").to_pylist() == ["https://site.example/page-1"]


def test_lf_only_line_endings_are_an_error_not_a_silent_drop(shared_data, lid):
    # cc_net's test WET, written with LF line endings: FastWARC reads one record of no known type
    table, stats = ingest_file(shared_data / "cc/ccnet-sample.warc.wet.txt", lid)
    assert table is None and stats.read == 1 and stats.errors == {"invalid_record": 1}
    assert "record at offset 0 ends its header lines in LF alone" in stats.examples["invalid_record"][0]


def test_a_warc_is_recognised_behind_a_damaged_first_member(tmp_path):
    damaged = GZIP_MAGIC + b"\x00" * 40 + b"".join(members(good_records(2)))
    assert looks_like_warc(write(tmp_path, "damaged.warc.gz", damaged))
    assert looks_like_warc(write(tmp_path, "plain.warc", b"".join(good_records(1))))
    assert not looks_like_warc(write(tmp_path, "rows.jsonl.gz", gzip.compress(b'{"text": "WARC"}\n' * 50)))


def test_a_warc_gzipped_as_one_stream_has_offsets_of_its_inflated_bytes(shared_data, tmp_path, lid):
    # `gzip file.warc`: one member for all records, where FastWARC's offsets follow its inflater's reads
    inflated = gzip.decompress((shared_data / "cc/resiliparse-warcfile.warc.gz").read_bytes())
    whole = gzip.compress(inflated, mtime=0)
    table, stats = ingest_file(write(tmp_path, "one.warc.gz", whole), lid)
    assert stats.kept == 16
    offsets = [int(dict(meta)["warc_offset"]) for meta in table.column("meta").to_pylist()]
    assert all(inflated[offset:offset + 9] == b"WARC/1.0\r" for offset in offsets)
    with LoopbackServer({"/one.warc.gz": whole}, Faults(drop_after=len(whole) // 3)) as server:
        url = server.url("/one.warc.gz")
        stats = Stats()
        remote = pa.concat_tables(warc_documents(lambda offset: open_input(url, offset), url, IngestOptions(), lid,
                                                 stats))
    assert remote.column("id").to_pylist() == table.column("id").to_pylist()
    (tmp_path / "cut").mkdir()  # the same name: ids are made from it
    cut, stats = ingest_file(write(tmp_path / "cut", "one.warc.gz", whole[: len(whole) * 2 // 3]), lid)
    assert 0 < cut.num_rows < 16 and stats.errors == {"truncated_record": 1}
    assert cut.column("id").to_pylist() == table.column("id").to_pylist()[: cut.num_rows]


def test_a_byte_order_mark_does_not_start_the_text(tmp_path, lid):
    html = "\ufeff".encode() + page_html(2)
    table, _ = ingest_file(write(tmp_path, "bom.warc.gz", b"".join(members([page_record(2, html)]))), lid,
                           extractor="resiliparse")
    assert table.column("text")[0].as_py().startswith("Page 2")


def test_mislabelled_and_legacy_charsets_decode(tmp_path, lid):
    text = "<p>" + "Le café de la rue était très agréable, même en hiver à Genève. " * 8 + "</p>"
    html = f"<html><head><title>Café</title></head><body>{text}</body></html>"
    wrong_label = page_record(1, html.encode("cp1252"), "text/html; charset=utf-8")
    meta_only = page_record(2, html.replace("<head>", '<head><meta charset="iso-8859-1">').encode("latin-1"),
                            "text/html")
    invalid = page_record(3, html.encode("utf-8")[:200] + b"\xff\xfe\xc3" + html.encode("utf-8")[200:])
    utf8_labelled_latin = page_record(4, html.encode("utf-8"), "text/html; charset=iso-8859-1")
    utf8_meta_latin = page_record(5, html.replace("<head>", '<head><meta charset="windows-1252">').encode("utf-8"),
                                  "text/html")
    utf8_bom = page_record(6, b"\xef\xbb\xbf" + html.encode("utf-8"), "text/html")
    records = [wrong_label, meta_only, invalid, utf8_labelled_latin, utf8_meta_latin, utf8_bom]
    table, stats = ingest_file(write(tmp_path, "cs.warc.gz", b"".join(members(records))), lid)
    assert stats.kept == 6
    texts = table.column("text").to_pylist()
    assert [dict(meta)["charset"] for meta in table.column("meta").to_pylist()[3:]] == ["utf-8"] * 3
    for body in texts[:2] + texts[3:]:
        assert "café" in body and "très agréable" in body and "\ufffd" not in body
    assert set(table.column("language").to_pylist()) == {"fr"}


def test_a_declared_cjk_charset_is_followed_where_its_few_words_form_utf8():
    from pipeline.readers.warc.charset import decode_html

    html = "<html><body><p>为什么</p></body></html>".encode("gbk")  # valid UTF-8 too, as mojibake
    assert decode_html(html, "gbk") == ("<html><body><p>为什么</p></body></html>", "gbk")
    assert decode_html("<p>Über uns</p>".encode(), "iso-8859-1") == ("<p>Über uns</p>", "utf-8")


def test_fifty_megabyte_page_is_dropped_and_neighbours_kept(tmp_path, lid):
    huge = b"<html><body>" + b"<p>big page</p>" * (50 * 2**20 // 15) + b"</body></html>"
    records = good_records(3) + [page_record(99, huge)] + [page_record(100)]
    _, stats = ingest_file(write(tmp_path, "big.warc.gz", b"".join(members(records))), lid)
    assert stats.kept == 4 and stats.dropped["too_large"] == 1


def memory_kb(field: str) -> int:
    """A field of /proc/self/status in kB: VmRSS now, VmHWM the peak since the last reset_peak_memory()."""
    status = Path("/proc/self/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE).group(1))


def reset_peak_memory() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # the kernel's reset of VmHWM (proc(5))


def test_a_compression_bomb_is_too_large_within_a_second_and_100_mb(tmp_path, lid):
    """A response of 809 bytes of brotli that inflates to 1 GiB of zeros (the issue's took a worker past 2.7 GB)."""
    path = write(tmp_path, "bomb.warc.gz", b"".join(members(good_records(0) + [bomb_record()])))
    assert path.stat().st_size < 2800
    reset_peak_memory()
    before, start = memory_kb("VmRSS"), time.perf_counter()
    _, stats = ingest_file(path, lid)
    elapsed, extra_mb = time.perf_counter() - start, (memory_kb("VmHWM") - before) / 1024
    assert stats.dropped == {"warcinfo": 1, "too_large": 1} and not stats.errors
    assert elapsed < 1 and extra_mb < 100, (elapsed, extra_mb)


@pytest.mark.parametrize("extractor", ["trafilatura", "resiliparse"])
def test_pathologically_nested_html_does_not_stop_the_file(tmp_path, lid, extractor):
    nested = b"<html><body>" + b"<div><span>" * 60_000 + b"deep text" + b"</span></div>" * 60_000 + b"</body></html>"
    records = good_records(2) + [page_record(50, nested)] + [page_record(51)]
    _, stats = ingest_file(write(tmp_path, "deep.warc.gz", b"".join(members(records))), lid,
                           extractor=extractor)
    assert stats.read == 5
    assert stats.kept >= 3  # the three good pages at least; the nested one is kept or counted
    assert set(stats.errors) <= {"extractor_error", "extractor_timeout"}


@pytest.mark.parametrize("extractor", ["trafilatura", "resiliparse"])
def test_text_nested_beyond_libxml2s_default_depth_is_kept(tmp_path, lid, extractor):
    """Unclosed tags nest real pages hundreds deep; libxml2 stops at 255 levels unless told otherwise, and the
    text below would vanish into `empty_text`."""
    pages = {depth: page_html(depth).replace(b"<body>", b"<body>" + b"<div>" * depth) for depth in (100, 300, 900)}
    records = good_records(0) + [page_record(depth, html) for depth, html in pages.items()]
    table, stats = ingest_file(write(tmp_path, "nested.warc.gz", b"".join(members(records))), lid,
                               extractor=extractor)
    assert stats.kept == 3, stats.to_dict()
    texts = {int(re.search(r"page-(\d+)", url).group(1)): text
             for url, text in zip(table.column("url").to_pylist(), table.column("text").to_pylist(), strict=True)}
    assert all(f"Paragraph 5 of page {depth}." in texts[depth] for depth in pages)


def test_trafilatura_keeps_the_text_above_2048_levels(tmp_path, lid):
    """Unclosed tags in a footer nest it thousands deep; the article above keeps its text."""
    footer = b"<footer>" + b"<font>" * 3000 + b"small print" + b"</body>"
    records = good_records(0) + [page_record(7, page_html(7).replace(b"</body>", footer))]
    table, stats = ingest_file(write(tmp_path, "deeper.warc.gz", b"".join(members(records))), lid)
    assert stats.kept == 1 and "Paragraph 5 of page 7." in table.column("text")[0].as_py()

def test_slow_extraction_is_cut_by_the_time_limit(tmp_path, lid):
    slow = b"<html><body>" + b"<p>many words in a long paragraph</p><table><tr><td>x</td></tr></table>" * 40_000
    records = good_records(2) + [page_record(60, slow + b"</body></html>")]
    _, stats = ingest_file(write(tmp_path, "slow.warc.gz", b"".join(members(records))), lid,
                           extract_timeout=0.05)
    assert stats.errors == {"extractor_timeout": 1} and stats.kept == 2


def test_time_limit_leaves_the_callers_alarm_handler_in_place(tmp_path, lid):
    path = str(write(tmp_path, "h.warc.gz", b"".join(members(good_records(3)))))

    def callers_handler(signum, frame):
        pass

    previous = signal.signal(signal.SIGALRM, callers_handler)
    try:
        for table in warc_documents(lambda offset: open_input(path, offset), path, IngestOptions(), lid, Stats()):
            assert table.num_rows == 3
            assert signal.getsignal(signal.SIGALRM) is callers_handler  # while the caller holds a table
        assert signal.getsignal(signal.SIGALRM) is callers_handler
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_non_html_and_error_statuses_are_dropped_with_reasons(tmp_path, lid):
    records = good_records(1) + [
        warc_record("response", http_response(b"\x89PNG....", "image/png"), uri="https://a.example/x.png"),
        warc_record("response", http_response(b"<html>gone</html>", status=404), uri="https://a.example/gone"),
        warc_record("response", http_response(b"<html><body>   </body></html>"), uri="https://a.example/e"),
    ]
    _, stats = ingest_file(write(tmp_path, "mix.warc.gz", b"".join(members(records))), lid)
    assert stats.kept == 1
    assert stats.dropped == {"warcinfo": 1, "not_html": 1, "http_status": 1, "empty_text": 1}


def test_limit_records_counts_every_record_read(tmp_path, lid):
    path = write(tmp_path, "l.warc.gz", b"".join(members(good_records(10))))
    _, stats = ingest_file(path, lid, limit_records=4)
    assert stats.read == 4 and stats.kept == 3


def test_resync_finds_every_member_after_damage(tmp_path):
    # the splitter used by the fixtures sees the same members the writer made
    parts = members(good_records(3))
    assert split_members(b"".join(parts)) == parts


def test_offsets_point_at_the_records_even_after_damage(tmp_path, lid):
    parts = members(good_records(8))
    data = b"".join(parts[:4]) + b"\x00junk" * 100 + b"".join(parts[4:])
    path = write(tmp_path, "o.warc.gz", data)
    table, _ = ingest_file(path, lid)
    for row in table.to_pylist():
        offset = int(dict(row["meta"])["warc_offset"])
        record = zlib.decompressobj(31).decompress(data[offset:])  # the one member there
        assert f"WARC-Target-URI: {row['url']}".encode() in record.split(b"\r\n\r\n")[0]
