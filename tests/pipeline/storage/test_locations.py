"""Reading inputs over real HTTP on loopback: retries on 503, resume after a dropped connection, clear errors."""

import pytest

from pipeline.storage.locations import CannotResume, InputMissing, InputUnreachable, RetryPolicy, open_input
from tests.helpers.http_server import Faults, LoopbackServer

DATA = bytes(range(256)) * 4096  # 1 MiB
FAST = RetryPolicy(attempts=4, base_wait=0.01)


def read_all(url: str, offset: int = 0) -> bytes:
    with open_input(url, offset, FAST) as stream:
        return stream.read()


def test_503_slowdown_is_retried():
    with LoopbackServer({"/f": DATA}, Faults(fail_first=2, status=503)) as server:
        assert read_all(server.url("/f")) == DATA
        assert server.faults.requests[:3] == ["full", "full", "full"]


def test_dropped_connection_resumes_with_range():
    with LoopbackServer({"/f": DATA}, Faults(drop_after=300_000)) as server:
        assert read_all(server.url("/f")) == DATA
        assert "bytes=300000-" in server.faults.requests


NEW = bytes(reversed(DATA))  # the same size: only the validators tell the versions apart


@pytest.mark.parametrize("faults", [Faults(etag=True), Faults(etag=False), Faults(ignore_if_range=True)],
                         ids=["etag", "last-modified", "server-ignores-if-range"])
def test_a_file_that_changes_between_attempts_is_not_spliced(faults):
    """The resumed request carries If-Range with the first answer's validator; the new version is refused, not
    appended to the old one's first 300,000 bytes."""
    faults.drop_after, faults.changes_to = 300_000, NEW
    with LoopbackServer({"/f": DATA}, faults) as server:
        with pytest.raises(CannotResume, match=r"/f: changed while being read \((ETag|Last-Modified) .* then .*\); "
                                               r"read it again from the start"):
            read_all(server.url("/f"))
        assert server.faults.requests[:2] == ["full", "bytes=300000-"]
        assert server.faults.if_ranges[0] is None and server.faults.if_ranges[1].startswith(
            '"' if faults.etag else "Tue, 14 Nov 2023")


def test_a_file_that_changes_size_without_validators_is_not_spliced():
    faults = Faults(drop_after=300_000, changes_to=DATA + b"more", etag=False, last_modified=False)
    with LoopbackServer({"/f": DATA}, faults) as server:
        with pytest.raises(CannotResume, match=r"size 1048576 then 1048580"):
            read_all(server.url("/f"))


def test_an_answer_from_another_byte_than_asked_is_refused():
    with LoopbackServer({"/f": DATA}, Faults(drop_after=300_000, range_shift=1000)) as server:
        with pytest.raises(CannotResume, match=r"asked for bytes from 300000, the server answered Content-Range "
                                               r"'bytes 299000-1048575/1048576'"):
            read_all(server.url("/f"))


def test_the_same_file_resumes_with_if_range():
    with LoopbackServer({"/f": DATA}, Faults(drop_after=300_000)) as server:
        assert read_all(server.url("/f")) == DATA
        assert server.faults.if_ranges == [None, server.validators("/f")["ETag"]]


def test_open_at_offset_uses_range_and_survives_servers_that_ignore_it():
    with LoopbackServer({"/f": DATA}) as server:
        assert read_all(server.url("/f"), 1000) == DATA[1000:]
    with LoopbackServer({"/f": DATA}, Faults(ignore_range=True)) as server:
        assert read_all(server.url("/f"), 1000) == DATA[1000:]


def test_missing_url_is_named_without_retrying():
    with LoopbackServer({}) as server:
        with pytest.raises(InputMissing, match=r"/nope: HTTP 404"):
            read_all(server.url("/nope"))
        assert len(server.faults.requests) == 1


def test_persistent_503_gives_up_with_a_clear_error():
    with LoopbackServer({"/f": DATA}, Faults(fail_first=100)) as server:
        with pytest.raises(InputUnreachable, match=r"/f: HTTP 503 \(after 4 attempts\)"):
            read_all(server.url("/f"))


def test_unreachable_host_is_named():
    with pytest.raises(InputUnreachable, match=r"127\.0\.0\.1:9/x"):
        read_all("http://127.0.0.1:9/x")


def test_a_host_that_does_not_resolve_is_named_without_retrying(caplog):
    """.invalid never resolves (RFC 2606): like a misspelt host, or no network, it is not worth a minute of retries."""
    with pytest.raises(InputUnreachable, match=r"^http://cc\.invalid/x: cannot resolve cc\.invalid \(no such host, "
                                               r"or no network\)$"):
        read_all("http://cc.invalid/x")
    assert "retrying" not in caplog.text


def test_missing_local_file_is_named(tmp_path):
    with pytest.raises(InputMissing, match="nothing.warc.gz: no such file"):
        open_input(str(tmp_path / "nothing.warc.gz"))


def test_unknown_protocol_is_named():
    with pytest.raises(InputUnreachable, match=r"bogus://x: cannot read bogus:// paths"):
        open_input("bogus://x")
