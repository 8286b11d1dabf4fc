"""Opening inputs by location: local paths, http(s) with retries and resume, anything else through fsspec."""

import glob
import io
import logging
import os
import random
import re
import socket
import time
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import urlsplit

import requests

log = logging.getLogger(__name__)

RETRYABLE_STATUS = {408, 425, 429, 500, 502, 503, 504}
MISSING_STATUS = {404, 410}


class InputMissing(Exception):
    """The input does not exist (no such file, HTTP 404/410)."""


class InputUnreachable(Exception):
    """The input could not be read after all retries."""


class BadInput(ValueError):
    """The input is there but cannot be read as what the stage reads (damaged, another format, missing columns)."""


class CannotResume(InputUnreachable):
    """A read cut short cannot go on where it stopped: the input changed between requests, or the server answered
    another range than the one asked for. What was read so far is not part of the current file: read it again."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 8
    base_wait: float = 1.0
    max_wait: float = 60.0

    def wait(self, attempt: int, retry_after: str | None = None) -> float:
        """Exponential backoff with jitter; a server's Retry-After (seconds) wins when it is longer."""
        delay = min(self.max_wait, self.base_wait * 2**attempt) * (0.5 + random.random() / 2)
        if retry_after and retry_after.isdigit():
            delay = max(delay, min(float(retry_after), self.max_wait))
        return delay


def is_http(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def is_local(location: str) -> bool:
    return "://" not in location or location.startswith("file://")


def local_path(location: str) -> str:
    return location[len("file://"):] if location.startswith("file://") else location


def shown_path(path: str) -> str:
    """A path as every command prints it: relative to the current folder when inside it, else as it is."""
    if not is_local(path):
        return path
    relative = os.path.relpath(local_path(path))
    return path if relative.startswith(os.pardir) else relative


def open_input(location: str, offset: int = 0, retry: RetryPolicy = RetryPolicy()) -> BinaryIO:
    """A binary stream of `location` starting at byte `offset`, read as it goes (no download first)."""
    if is_http(location):
        return io.BufferedReader(ResumableHTTPStream(location, offset, retry), buffer_size=1 << 20)
    if is_local(location):
        path = local_path(location)
        try:
            stream = open(path, "rb")  # noqa: SIM115 - the caller closes it
        except FileNotFoundError as exc:
            found = "matches no file" if glob.has_magic(path) else "no such file"  # a glob matching nothing
            raise InputMissing(f"{location}: {found}") from exc
        except IsADirectoryError as exc:
            raise InputMissing(f"{location}: is a directory, not a file") from exc
        stream.seek(offset)
        return stream
    return _open_fsspec(location, offset, retry)


def _open_fsspec(location: str, offset: int, retry: RetryPolicy) -> BinaryIO:
    import fsspec  # late: it imports asyncio and more, which every command (--help too) would wait for

    protocol = location.split("://", 1)[0]
    try:
        fsspec.get_filesystem_class(protocol)
    except (ImportError, ValueError) as exc:
        hint = " (pip install 'curate[s3]')" if protocol in ("s3", "s3a") else ""
        raise InputUnreachable(f"{location}: cannot read {protocol}:// paths: {exc}{hint}") from exc
    for attempt in range(retry.attempts):
        try:
            stream = fsspec.open(location, "rb").open()
            stream.seek(offset)
            return stream
        except FileNotFoundError as exc:
            found = "matches no object" if glob.has_magic(location) else "no such object"  # a glob matching nothing
            raise InputMissing(f"{location}: {found}") from exc
        except OSError as exc:
            if attempt + 1 == retry.attempts:
                raise InputUnreachable(f"{location}: {exc} (after {retry.attempts} attempts)") from exc
            log.warning("retrying %s after error: %s", location, exc)
            time.sleep(retry.wait(attempt))
    raise AssertionError("unreachable")


def _no_such_host(exc: BaseException) -> bool:
    """Whether a request failed because the host name resolves to nothing (EAI_NONAME; EAI_AGAIN, a resolver
    that did not answer in time, is retried like any connection error)."""
    for _ in range(8):  # requests' error wraps urllib3's, which wraps the resolver's: a few links at most
        if exc is None:
            break
        if isinstance(exc, socket.gaierror):
            return exc.errno == socket.EAI_NONAME
        exc = exc.__cause__ or getattr(exc, "reason", None) or (exc.args[0] if exc.args and
                                                                 isinstance(exc.args[0], BaseException) else None)
    return False


CONTENT_RANGE = re.compile(r"bytes (\d+)-\d+/(\d+|\*)")


class ResumableHTTPStream(io.RawIOBase):
    """A streaming HTTP GET that retries 429/5xx with backoff and resumes a dropped connection with Range.

    A resumption is of the same file or fails (CannotResume): it sends If-Range with the first answer's ETag (or
    Last-Modified), and checks the answer's ETag, Last-Modified, size and Content-Range start against what it
    has read (RFC 9110 §13.1.5, §14.4)."""

    def __init__(self, url: str, offset: int = 0, retry: RetryPolicy = RetryPolicy()):
        super().__init__()
        self.url = url
        self.pos = offset
        self.retry = retry
        self.total: int | None = None
        self._session = requests.Session()
        self._response: requests.Response | None = None
        self._eof = False
        self._answered = False  # once the server has answered, a failed name lookup is a passing fault
        self._validators: dict[str, str] | None = None  # the first answer's ETag and Last-Modified

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to a byte offset; the next read opens a new ranged request there (FastWARC asks for this)."""
        if whence == io.SEEK_CUR:
            offset += self.pos
        elif whence == io.SEEK_END:
            if self.total is None:
                self._connect()
            if self.total is None:
                raise io.UnsupportedOperation(f"{self.url}: size unknown, cannot seek from the end")
            offset += self.total
        if offset != self.pos:
            self._drop()
            self.pos, self._eof = offset, False
        return self.pos

    def readinto(self, buffer) -> int:
        failures = 0
        while not self._eof:
            if self._response is None:
                self._connect()
                if self._eof:
                    break
            try:
                data = self._response.raw.read(len(buffer), decode_content=False)
            except Exception as exc:  # requests, urllib3 and http.client each raise their own types
                data, error = b"", exc
            else:
                error = None
            if data:
                buffer[: len(data)] = data
                self.pos += len(data)
                return len(data)
            if error is None and (self.total is None or self.pos >= self.total):
                self._eof = True
                break
            failures += 1
            reason = error or f"connection closed at byte {self.pos} of {self.total}"
            if failures >= self.retry.attempts:
                raise InputUnreachable(f"{self.url}: {reason} (after {failures} attempts)")
            log.warning("resuming %s at byte %d after: %s", self.url, self.pos, reason)
            self._drop()
            time.sleep(self.retry.wait(failures - 1))
        return 0

    def _connect(self) -> None:
        headers = {"Range": f"bytes={self.pos}-"} if self.pos else {}
        if self.pos and (validator := self._if_range()):
            headers["If-Range"] = validator
        last = ""
        for attempt in range(self.retry.attempts):
            try:
                response = self._session.get(self.url, headers=headers, stream=True, timeout=(15, 120))
            except requests.RequestException as exc:
                if not self._answered and _no_such_host(exc):  # a misspelt host, or no network at all
                    raise InputUnreachable(f"{self.url}: cannot resolve {urlsplit(self.url).hostname} (no such "
                                           "host, or no network)") from exc
                last = str(exc)
            else:
                status = response.status_code
                if status in (200, 206):
                    self._accept(response)
                    return
                response.close()
                if status == 416:
                    if self.total is not None and self.pos < self.total:  # a file that shrank below where we are
                        raise CannotResume(f"{self.url}: changed while being read (now shorter than byte "
                                           f"{self.pos} of {self.total}); read it again from the start")
                    self._eof = True
                    return
                if status in MISSING_STATUS:
                    raise InputMissing(f"{self.url}: HTTP {status}")
                last = f"HTTP {status}"
                if status not in RETRYABLE_STATUS:
                    raise InputUnreachable(f"{self.url}: {last}")
                if attempt + 1 < self.retry.attempts:
                    log.warning("retrying %s after %s", self.url, last)
                    time.sleep(self.retry.wait(attempt, response.headers.get("Retry-After")))
                continue
            if attempt + 1 < self.retry.attempts:
                log.warning("retrying %s after %s", self.url, last)
                time.sleep(self.retry.wait(attempt))
        raise InputUnreachable(f"{self.url}: {last} (after {self.retry.attempts} attempts)")

    def _if_range(self) -> str | None:
        """The first answer's strong ETag, else its Last-Modified (a weak ETag may not be sent in If-Range)."""
        validators = self._validators or {}
        etag = validators.get("ETag")
        return etag if etag and not etag.startswith("W/") else validators.get("Last-Modified")

    def _accept(self, response: requests.Response) -> None:
        self._answered = True
        length = response.headers.get("Content-Length")
        if response.status_code == 206:
            match = CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
            if match is None or int(match[1]) != self.pos:
                response.close()
                raise CannotResume(f"{self.url}: asked for bytes from {self.pos}, the server answered Content-Range "
                                   f"{response.headers.get('Content-Range')!r}; read it again from the start")
            total = int(match[2]) if match[2].isdigit() else None
        else:
            total = int(length) if length and length.isdigit() else None
        self._check_same_file(response, total)
        self.total = total
        if response.status_code == 200:
            if self.pos:  # the server ignored Range on the same file (If-Range matched): skip to where we were
                skip = self.pos
                while skip:
                    chunk = response.raw.read(min(skip, 1 << 20), decode_content=False)
                    if not chunk:
                        break
                    skip -= len(chunk)
        self._response = response

    def _check_same_file(self, response: requests.Response, total: int | None) -> None:
        """Raise CannotResume when this answer is of another version of the file than the first answer was."""
        validators = {name: response.headers[name] for name in ("ETag", "Last-Modified") if name in response.headers}
        if self._validators is None:
            self._validators = validators
            return
        changed = [f"{name} {self._validators[name]} then {value}" for name, value in validators.items()
                   if self._validators.get(name, value) != value]
        if self.total is not None and total is not None and total != self.total:
            changed.append(f"size {self.total} then {total}")
        if changed:
            response.close()
            raise CannotResume(f"{self.url}: changed while being read ({', '.join(changed)}); read it again from "
                               "the start")

    def _drop(self) -> None:
        if self._response is not None:
            self._response.close()
            self._response = None

    def close(self) -> None:
        self._drop()
        self._session.close()
        super().close()
