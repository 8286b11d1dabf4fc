"""The WARC reader fuzzed: real Common Crawl records truncated, bit-flipped and salted with garbage, in each layout a
reader meets (a gzip member per record, one gzip stream, plain), end with the books balanced and memory capped."""

import gzip
import io
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.accounting import Stats
from pipeline.readers.langid import LanguageIdentifier
from pipeline.readers.warc.documents import IngestOptions, warc_documents
from tests.helpers.warc_fixtures import damaged

FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=400,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MiB = 2**20
OPTIONS = IngestOptions(extractor="resiliparse", max_page_bytes=MiB)
MEMORY_CAP = 48 * MiB  # a file's whole run, so every record's too; an intact file peaks near 7 MiB
FILES = ["whirlwind.warc.gz", "resiliparse-warcfile.warc.gz", "warcio-example.warc.gz"]


@pytest.fixture(scope="module")
def crawl_files(shared_data) -> dict[str, bytes]:
    return {name: (shared_data / "cc" / name).read_bytes() for name in FILES}


@pytest.fixture(scope="module")
def lid(lid_model):
    return LanguageIdentifier(lid_model)


def layouts(member_per_record: bytes) -> dict[str, bytes]:
    """The same records as Common Crawl writes them, as `gzip file.warc` writes them, and uncompressed."""
    plain = gzip.decompress(member_per_record)
    return {"members": member_per_record, "stream": gzip.compress(plain, mtime=0), "plain": plain}


def read_all(data: bytes, lid: LanguageIdentifier) -> tuple[Stats, int]:
    """Every record of `data` through the documents function; its stats and the peak of Python memory meanwhile."""
    def open_at(offset: int) -> io.BytesIO:
        stream = io.BytesIO(data)
        stream.seek(offset)
        return stream

    stats = Stats()
    tracemalloc.start()
    try:
        for _ in warc_documents(open_at, "fuzzed.warc.gz", OPTIONS, lid, stats):
            pass
        return stats, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_intact_files_read_cleanly_in_every_layout(crawl_files, lid):
    for name, data in crawl_files.items():
        for layout, variant in layouts(data).items():
            stats, peak = read_all(variant, lid)
            assert stats.balanced and stats.kept and not stats.errors, (name, layout, stats.to_dict())
            assert peak < MEMORY_CAP


@FUZZ
@given(data=st.data(), name=st.sampled_from(FILES), layout=st.sampled_from(["members", "stream", "plain"]))
def test_damaged_files_end_with_balanced_books_and_capped_memory(crawl_files, lid, data, name, layout):
    broken = data.draw(damaged(layouts(crawl_files[name])[layout]))
    stats, peak = read_all(broken, lid)
    assert stats.balanced, stats.to_dict()
    assert stats.read >= 1  # a file of nothing is at least counted not_a_warc
    assert peak < MEMORY_CAP, peak


@pytest.mark.parametrize("where", [0.3, 0.6, 0.9])
def test_a_small_file_gzipped_as_one_stream_keeps_the_records_before_its_damage(crawl_files, lid, where):
    """Found by the fuzzing: a bit flipped anywhere in the first 64 KiB of such a file made the whole file
    `not_a_warc`, its intact records before the damage lost with it."""
    stream = layouts(crawl_files["whirlwind.warc.gz"])["stream"]
    at = int(len(stream) * where)
    stats, _ = read_all(stream[:at] + bytes([stream[at] ^ 4]) + stream[at + 1:], lid)
    assert "not_a_warc" not in stats.errors and stats.errors, stats.to_dict()
    assert stats.dropped["warcinfo"] == stats.dropped["record_type_request"] == 1  # the two records before it
