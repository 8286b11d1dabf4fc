"""A document row of a source, as every reader builds it: a stable id, the source's name and attribution."""

from pipeline.readers.sources.spec import Source
from pipeline.schema import stable_id


def document_id(source: str, *key: str) -> str:
    """Stable id from the source's name and what names the record in it (a wiki and page id, a dataset and row),
    not from the order of a run."""
    return stable_id(source, *key)


def document(source: Source, key: tuple[str, ...], text: str, meta: dict[str, str], **columns) -> dict:
    """A row of DOCUMENT_SCHEMA's keys: `columns` (url, date, license, language, ...) as given, the language of
    the source file over the record's, the source's attribution in `meta` beside the record's provenance."""
    return {**columns, "id": document_id(source.name, *key), "text": text, "source": source.name,
            "language": source.language or columns.get("language"), "meta": {**meta, **source.document_meta()}}
