"""The readers a source file can name, each a module of this package.

A reader module has:
- `Options`: a pydantic model (`extra="forbid"`) of the reader's own keys, under `options:` in the source file;
- `documents(piece: Piece, source: Source, stats: Stats) -> Iterator[dict]`: the rows of one unit (a file, or a
  slice of one), dicts with the keys of pipeline.schema.DOCUMENT_SCHEMA (`rows.document` builds one): `language`
  None leaves it to lid.176. Each record it does not yield is counted, `stats.drop(reason)` or
  `stats.error(kind, example naming the file and the record)`; the stage counts the rows it keeps;
- optionally `split(location: str, source: Source, retry: RetryPolicy) -> list[tuple[int, int]] | None`, on the
  driver: the slices of a file read as units of their own (the `span` of the Piece), None to read it whole;
  `inputs(source: Source) -> list[str]`, on the driver: the units' inputs when they are not the files `paths:`
  names (a folder's files named with one of `SUFFIXES`, every file when it has none); `COLUMNS`, the document
  columns `columns:` may map (none when absent); `DERIVES_LICENSE = True` when each record says its licence;
  `EXTRA_COLUMNS`, fields of pipeline.schema the reader fills beside the documents' (the books' `ocr_score`);
  `BATCH`, rows written at a time, fewer than the stage's 512 where a row is large (a whole book).
"""

from importlib import import_module
from types import ModuleType

# reader name -> module
READERS = {"mediawiki": "mediawiki", "jsonl": "tabular", "parquet": "tabular", "hf_dataset": "tabular",
           "stackexchange": "stackexchange", "books": "books"}


def reader_module(name: str) -> ModuleType:
    """The module of a reader. Imported by name, late: a reader's dependencies (mwparserfromhell, datasets) load
    only for a source that names it, and the readers import spec.py, which imports this."""
    return import_module(f"pipeline.readers.sources.{READERS[name]}")
