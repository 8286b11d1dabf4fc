"""`curate artifacts build` and `curate artifacts fetch`: the model artifacts of the signals, in RedPajama-V2's
layout (RedPajama-Data app/src/prep_artifacts.py, app/src/artifacts/update_resources.py, 6d2cee9), built from
corpora the user names or downloaded from the lists' homes.

Both run on the machine they are started on (no Spark): building reads at most a few hundred thousand documents
per corpus and trains one fastText model, as the reference's prep_artifacts.py does."""

import gzip
import hashlib
import io
import json
import logging
import os
import tarfile
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import BinaryIO

import numpy as np

from pipeline.messages import shown
from pipeline.readers.documents import DOCUMENT_SUFFIXES, open_documents
from pipeline.storage.inputs import expand_inputs
from pipeline.storage.locations import CannotResume, InputMissing, InputUnreachable, RetryPolicy, open_input
from signals.artifacts import (
    CLASSIFIER,
    DSIR_BUCKETS,
    DSIR_COUNTS,
    DSIR_LAMBDA,
    DSIR_SOURCE,
    UT1_CATEGORY_INDEX,
    UT1_TABLE,
)
from signals.classifiers import CC_LABEL, classifier_text
from signals.training.dsir_counts import dsir_counts
from signals.training.fasttext_supervised import train_classifier
from signals.training.ut1_table import UT1_CATEGORIES, category_index, domain_category_ids

log = logging.getLogger(__name__)

CORPUS_SUFFIXES = DOCUMENT_SUFFIXES + (".txt", ".txt.gz")
# update_resources.py: the LDNOOBW lists of the RedPajama-V2 run, and where the lists live
LDNOOBW_LANGUAGES = ("en", "fr", "es", "it", "de")
LDNOOBW_URL = ("https://raw.githubusercontent.com/LDNOOBW/List-of-Dirty-Naughty-Obscene-and-Otherwise-Bad-Words/"
               "master/{lang}")
UT1_URL = "https://dsi.ut-capitole.fr/blacklists/download/blacklists.tar.gz"  # the reference's is http://
LDNOOBW_PIN, UT1_PIN = "ldnoobw/{lang}", "ut1"  # the names of --sha256


@dataclass
class BuildRequest:
    directory: str
    language: str | None
    web: list[str]  # the web sample's files: `__label__cc` and DSIR's `ccnet`
    targets: dict[str, list[str]]  # wikipedia / books / openwebtext -> files
    ut1: str | None  # a UT1 blacklist folder (category folders with `domains` files)
    classifier_samples: int  # target documents, split evenly over the targets; as many web documents
    dsir_samples: int  # documents per corpus
    seed: int = 0


def read_texts(files: list[str]) -> Iterator[str]:
    """The documents of corpus files in order: the `text` column of Parquet or JSON lines (a null text is
    empty), or plain text (`.txt`, `.txt.gz`) with one document per line (blank lines skipped)."""
    for location in files:
        if location.endswith((".txt", ".txt.gz")):
            with open_input(location) as stream:
                lines = io.TextIOWrapper(gzip.open(stream) if location.endswith(".gz") else stream, "utf-8")
                try:
                    yield from (line.rstrip("\r\n") for line in lines if line.strip())
                except UnicodeDecodeError as exc:
                    raise ValueError(f"{location}: not UTF-8 text: {exc}") from exc
            continue
        schema, batches = open_documents(location)
        if schema is None:
            continue
        if "text" not in schema.names:
            raise ValueError(f"{location}: no `text` column (has: {shown(schema.names, 10)})")
        for batch in batches:
            yield from (text or "" for text in batch.column("text").to_pylist())


def _corpus(files: list[str]) -> list[str]:
    found = expand_inputs(files, CORPUS_SUFFIXES)
    for location in found:
        if not os.path.exists(location) and "://" not in location:
            raise InputMissing(f"{location}: no such corpus file")
    return found


def build_artifacts(request: BuildRequest) -> list[str]:
    """Build what the request's inputs allow; returns one line per artifact written."""
    done: list[str] = []
    language, directory = request.language, request.directory
    corpora = {name: _corpus(files) for name, files in request.targets.items() if files}
    web = _corpus(request.web) if request.web else []
    if request.ut1:
        done += build_ut1(request.ut1, directory)
    for name, files in ([(DSIR_SOURCE, web)] if web else []) + list(corpora.items()):
        try:
            counts, mean_words, documents = dsir_counts(islice(read_texts(files), request.dsir_samples))
        except ValueError as exc:
            raise ValueError(f"{name} corpus {', '.join(files)}: {exc}") from exc
        counts_path = os.path.join(directory, DSIR_COUNTS.format(language=language, dataset=name,
                                                                 buckets=DSIR_BUCKETS))
        _write(counts_path, lambda handle, counts=counts: np.save(handle, counts))
        _write(os.path.join(directory, DSIR_LAMBDA.format(language=language, dataset=name)),
               lambda handle, mean_words=mean_words: np.save(handle, np.float64(mean_words)))
        done.append(f"{counts_path}: {documents} documents, lambda {mean_words:.1f} tokens")
    # the reference trains `palm` (Wikipedia, books and OpenWebText against the web) for English and
    # `wikipedia` (Wikipedia against the web) for the other languages
    name = "palm" if language == "en" else "wikipedia"
    targets = [files for target, files in corpora.items() if language == "en" or target == "wikipedia"]
    if web and targets:
        done.append(_build_classifier(request, name, targets, web))
    elif targets or web:
        log.warning("no classifier: it needs the web sample (--cc) and %s",
                    "a target corpus" if language == "en" else "--wikipedia")
    return done


def _build_classifier(request: BuildRequest, name: str, targets: list[list[str]], web: list[str]) -> str:
    """Target documents split evenly over the targets, as many web documents, read as the model consumes them.
    A web sample smaller than the targets' share cuts the targets to its size: the two classes stay equal."""
    available = sum(1 for _ in islice(read_texts(web), request.classifier_samples))
    if not available:
        raise ValueError(f"classifier {name}: the web sample (--cc) has no documents")
    per_target = max(1, min(request.classifier_samples, available) // len(targets))
    read = {"target": 0, "web": 0}

    def examples():
        for files in targets:
            for text in islice(read_texts(files), per_target):
                read["target"] += 1
                yield f"__label__{name}", classifier_text(text)
        for text in islice(read_texts(web), read["target"]):
            read["web"] += 1
            yield CC_LABEL, classifier_text(text)

    try:
        model = train_classifier(examples(), request.seed)
    except ValueError as exc:
        raise ValueError(f"classifier {name}: the target corpora have no documents") from exc
    path = os.path.join(request.directory, CLASSIFIER.format(language=request.language, name=name))
    _write(path, model.save)
    short = f" (the web sample holds {available})" if available < request.classifier_samples else ""
    return (f"{path}: {read['target']} target and {read['web']} web documents{short}, "
            f"training accuracy {model.training_accuracy:.3f}")


def build_ut1(blacklists: str, directory: str) -> list[str]:
    """`bad_urls/domain_to_category_id.json` and `category_index.json` from a UT1 blacklist folder."""
    return _write_ut1(_ut1_table(blacklists, blacklists), directory)


def _ut1_table(blacklists: str, source: str) -> dict[str, int]:
    """The UT1 table of a blacklist folder, refused when it lists no domain (`source` names where it came from)."""
    table = domain_category_ids(blacklists)
    if not table:
        raise ValueError(f"{source}: no domain in the `domains` files of UT1's {len(UT1_CATEGORIES)} categories "
                         f"({', '.join(UT1_CATEGORIES)})")
    return table


def _write_ut1(table: dict[str, int], directory: str) -> list[str]:
    table_path = os.path.join(directory, UT1_TABLE)
    _write(table_path, lambda handle: handle.write(json.dumps(table).encode()))
    _write(os.path.join(directory, UT1_CATEGORY_INDEX),
           lambda handle: handle.write(json.dumps(category_index()).encode()))
    return [f"{table_path}: {len(table)} domains"]


@dataclass(frozen=True)
class FetchLimits:
    """What one download may weigh (a server may send without end) and what the UT1 archive may unpack to."""
    download_bytes: int
    file_bytes: int
    extracted_bytes: int
    entries: int  # files and folders


def parse_pins(pins: Sequence[str]) -> dict[str, str]:
    """`--sha256 NAME=HEX` options as {name: lower-case hex digest}."""
    found = {}
    for pin in pins:
        name, _, digest = pin.partition("=")
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest.lower()):
            raise ValueError(f"--sha256 {pin}: not NAME=HEX with the 64 hex digits of a SHA-256")
        found[name.strip()] = digest.lower()
    return found


def fetch_artifacts(directory: str, limits: FetchLimits, languages: tuple[str, ...] = LDNOOBW_LANGUAGES,
                    ldnoobw_url: str = LDNOOBW_URL, ut1_url: str | None = UT1_URL,
                    retry: RetryPolicy = RetryPolicy(attempts=3), pins: dict[str, str] | None = None) -> list[str]:
    """Download the LDNOOBW lists and the UT1 blacklist (then build its tables); one line per artifact, with the
    SHA-256 of what was downloaded. `pins` ({"ldnoobw/en" or "ut1": hex}) are checked before anything is replaced."""
    pins = pins or {}
    names = [LDNOOBW_PIN.format(lang=language) for language in languages] + ([UT1_PIN] if ut1_url else [])
    for name in pins:
        if name not in names:  # a misspelt name would check nothing
            raise ValueError(f"--sha256 {name}: not downloaded here (the names: {', '.join(names) or 'none'})")
    done = []
    for language in languages:
        url = ldnoobw_url.format(lang=language)
        with tempfile.TemporaryFile() as handle:
            digest = _download(url, handle, retry, limits, pins.get(LDNOOBW_PIN.format(lang=language)))
            handle.seek(0)
            words = set(handle.read().decode("utf-8").splitlines())
        path = os.path.join(directory, "bad_words", f"{language}.txt")
        # as update_resources.py writes it: the distinct lines joined by newlines (sorted here, so reruns agree)
        _write(path, lambda handle, words=words: handle.write("\n".join(sorted(words)).encode("utf-8")))
        _stamp(os.path.join(directory, "bad_words", f"_{language}_FETCH_TIMESTAMP"))
        done.append(f"{path}: {len(words)} entries from {url} (sha256 {digest})")
    if ut1_url:
        done += _fetch_ut1(ut1_url, directory, retry, limits, pins.get(UT1_PIN))
    return done


OFFLINE_HINT = "`curate artifacts fetch` needs the network (or --ldnoobw-url / --ut1-url pointing at a mirror)"


def _download(url: str, handle: BinaryIO, retry: RetryPolicy, limits: FetchLimits, pin: str | None) -> str:
    """Stream `url` into `handle` and return its SHA-256, checked against `pin`; a file that changes while it is
    downloaded is downloaded again from the start."""
    for attempt in range(1, retry.attempts + 1):
        try:
            digest = _download_once(url, handle, retry, limits)
        except CannotResume as exc:
            if attempt == retry.attempts:
                raise
            log.warning("%s", exc)
            continue
        except InputUnreachable as exc:
            raise InputUnreachable(f"cannot download {exc}; {OFFLINE_HINT}") from exc
        if pin and digest != pin:
            raise ValueError(f"{url}: SHA-256 {digest}, not the {pin} pinned by --sha256")
        return digest
    raise AssertionError("unreachable")


def _download_once(url: str, handle: BinaryIO, retry: RetryPolicy, limits: FetchLimits) -> str:
    handle.seek(0)
    handle.truncate()
    digest = hashlib.sha256()
    with open_input(url, retry=retry) as stream:
        while chunk := stream.read(1 << 20):
            if handle.tell() + len(chunk) > limits.download_bytes:
                raise ValueError(f"{url}: larger than --max-download-bytes ({limits.download_bytes:,} bytes)")
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest()


def _fetch_ut1(url: str, directory: str, retry: RetryPolicy, limits: FetchLimits, pin: str | None) -> list[str]:
    """The archive's `blacklists/` folder becomes `bad_urls/blacklists/`, replacing an older one whole, and the UT1
    tables are built from it. An archive refused for any reason leaves the previous folder and tables in place."""
    bad_urls = os.path.join(directory, "bad_urls")
    os.makedirs(bad_urls, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=bad_urls, prefix=".download-") as staging:
        archive = os.path.join(staging, "blacklists.tar.gz")
        try:
            with open(archive, "w+b") as handle:
                digest = _download(url, handle, retry, limits, pin)
            files, size = _extract(url, archive, os.path.join(staging, "tree"), limits)
            extracted = os.path.join(staging, "tree", "blacklists")
            if not os.path.isdir(extracted):
                raise ValueError(f"{url}: the archive has no blacklists/ folder")
            table = _ut1_table(extracted, url)
        except ValueError as exc:
            raise ValueError(f"{exc}; {bad_urls} is left as it was") from exc
        done = _write_ut1(table, directory)
        target = os.path.join(bad_urls, "blacklists")
        if os.path.lexists(target):  # moved aside, whatever it is, and removed with the staging folder
            os.replace(target, os.path.join(staging, "previous"))
        os.replace(extracted, target)
    _stamp(os.path.join(bad_urls, "_FETCH_TIMESTAMP"))  # the list is a moving target: record when
    return [f"{target}: {files} files, {size:,} bytes from {url} (sha256 {digest})", *done]


def _extract(url: str, archive: str, destination: str, limits: FetchLimits) -> tuple[int, int]:
    """Unpack the files and folders of a tar.gz within the limits, through tarfile's "data" filter; (files, bytes).
    Links, devices and the like are skipped: UT1's lists are plain files."""
    counts = {"files": 0, "bytes": 0, "entries": 0, "skipped": 0}

    def admit(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
        if not (member.isreg() or member.isdir()):
            counts["skipped"] += 1
            return None
        counts["files"] += member.isreg()
        counts["bytes"] += member.size
        counts["entries"] += 1
        if member.size > limits.file_bytes:
            raise ValueError(f"{url}: {member.name} unpacks to {member.size:,} bytes, over --max-file-bytes "
                             f"({limits.file_bytes:,})")
        if counts["bytes"] > limits.extracted_bytes:
            raise ValueError(f"{url}: unpacks to over --max-extracted-bytes ({limits.extracted_bytes:,})")
        if counts["entries"] > limits.entries:
            raise ValueError(f"{url}: holds over --max-entries ({limits.entries:,}) files and folders")
        return tarfile.data_filter(member, path)

    try:
        with tarfile.open(archive, mode="r|gz") as tar:  # as a stream: nothing is unpacked before it is admitted
            tar.extractall(destination, filter=admit)
    except tarfile.FilterError as exc:
        raise ValueError(f"{url}: an unsafe tar.gz: {exc}") from exc
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise ValueError(f"{url}: not a readable tar.gz: {exc}") from exc
    if counts["skipped"]:
        log.warning("%s: skipped %d entries that are neither files nor folders (links, devices)", url,
                    counts["skipped"])
    return counts["files"], counts["bytes"]


def _write(path: str, write: Callable) -> None:
    """Write a file through a temporary sibling renamed into place: a reader never sees half a file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    staging = os.path.join(os.path.dirname(path), f".tmp-{uuid.uuid4().hex}-{os.path.basename(path)}")
    try:
        with open(staging, "xb") as handle:
            write(handle)
        os.replace(staging, path)
    except BaseException:
        if os.path.exists(staging):
            os.unlink(staging)
        raise


def _stamp(path: str) -> None:
    _write(path, lambda handle: handle.write(str(int(time.time())).encode()))

