"""A source file (docs/sources.md): which reader turns which files into documents, under which licence, with what
attribution; read from YAML into a checked `Source`, every mistake named as `file:line: key: message`.

A reader is a module named in `registry.py`; what it has and what it gives is said in that module's docstring."""

import posixpath
from dataclasses import dataclass
from typing import Any, BinaryIO

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from filters.suggest import closest
from licenses.spdx import LICENSES, spdx_id
from pipeline.readers.sources.registry import READERS, reader_module
from pipeline.storage.locations import RetryPolicy, open_input
from recipes.loader import first_problem, validated, yaml_text
from recipes.yaml_text import located


class SourceError(ValueError):
    """A source file that cannot be read; the message starts with `file:line: key:`."""


class Source(BaseModel):
    """A source as its file says it, the reader's own keys (`options`) checked by the reader's `Options`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[\w.-]+$")  # the `source` column; part of every document id
    reader: str
    # files, folders or globs, local or http(s):// or s3:// (relative to the current folder); hf_dataset: datasets
    paths: list[str] = Field(min_length=1)
    license: str | None = None  # an SPDX id (loose names such as "CC BY-SA 4.0" are mapped)
    license_column: str | None = None  # a column holding each row's licence (tabular readers)
    columns: dict[str, str] = {}  # document column -> the input's column (tabular readers)
    attribution: str | None = None  # what a re-user must credit; kept in each document's meta
    language: str | None = None  # every document's language; else the reader's, else lid.176's
    options: Any = {}  # the reader's own keys: a dict as written, its `Options` once loaded

    @field_validator("reader")
    @classmethod
    def _known_reader(cls, value: str) -> str:
        if value not in READERS:
            raise ValueError(f"unknown reader {value!r}{closest(value, READERS)}; readers: {', '.join(READERS)}")
        return value

    @field_validator("license")
    @classmethod
    def _spdx(cls, value: str | None) -> str | None:
        if value is None:
            return None
        found = spdx_id(value)
        if found is None:
            raise ValueError(f"{value!r} is no licence the SPDX table knows{closest(value, LICENSES)}; write an "
                             "SPDX id such as CC-BY-SA-4.0, CC0-1.0 or MIT (docs/sources.md)")
        return found

    def document_meta(self) -> dict[str, str]:
        """What every document of the source carries in `meta`: its attribution, when it has one."""
        return {"attribution": self.attribution} if self.attribution else {}


@dataclass(frozen=True)
class Piece:
    """What a reader reads in one unit: a file, or a slice of one (`span`, [start, end) in the reader's terms)."""

    location: str
    span: tuple[int, int] | None = None
    retry: RetryPolicy = RetryPolicy()

    @property
    def name(self) -> str:
        """The file's name, as documents' provenance gives it."""
        return posixpath.basename(self.location.rstrip("/"))

    def open(self, offset: int = 0) -> BinaryIO:
        """The file's bytes from `offset` (InputMissing, InputUnreachable as for every input)."""
        return open_input(self.location, offset, self.retry)


def parse_source(text: str, path: str) -> Source:
    """A source from its YAML text; `path` names it in errors."""
    source, lines = validated(text, path, Source, SourceError,
                              "a source file is a YAML mapping (name:, reader:, paths:, license:, ...)")
    module = reader_module(source.reader)
    if not isinstance(source.options, dict):
        raise SourceError(located(path, lines, ("options",), f"a mapping of the {source.reader} reader's keys"))
    try:
        options = module.Options.model_validate(source.options)
    except ValidationError as exc:
        within = {key[1:]: line for key, line in lines.items() if key[:1] == ("options",)}
        where, message = first_problem(exc, within, module.Options)
        raise SourceError(located(path, lines, ("options", *where), message)) from None
    _check_keys(source, module, path, lines)
    return source.model_copy(update={"options": options})


def _check_keys(source: Source, module, path: str, lines: dict[tuple, int]) -> None:
    """The keys that only some readers take, and the licence every document needs."""
    mappable = getattr(module, "COLUMNS", ())
    for column in source.columns:
        if column not in mappable:
            known = f"; it maps {', '.join(mappable)}" if mappable else ""
            raise SourceError(located(path, lines, ("columns", column),
                                      f"not a column the {source.reader} reader maps{closest(column, mappable)}"
                                      f"{known}"))
    if source.license_column is not None and not mappable:
        raise SourceError(located(path, lines, ("license_column",),
                                  f"the {source.reader} reader has no columns; give `license:` instead"))
    if source.license is None and source.license_column is None and not getattr(module, "DERIVES_LICENSE", False):
        raise SourceError(located(path, lines, ("license",), f"missing: the {source.reader} reader needs "
                                                              "`license:` (an SPDX id) or `license_column:`"))


def load_source(path: str) -> Source:
    """The source a YAML file describes (SourceError naming the file, the line and the key)."""
    return parse_source(yaml_text(path, "source file", SourceError), path)
