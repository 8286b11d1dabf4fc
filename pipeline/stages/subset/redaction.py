"""The recipe's `redact_pii` transform on the Arrow batches of the kept documents, as the shards are written.

Arrow's RE2 picks the texts that may hold something to replace (`Redaction.hint`); only those become Python
strings for filters/pii.py, and go back into the batch's text column in one call."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from filters.pii import Redaction, redact

LANGUAGE_HINT = "_curate_language"  # the documents' language for the phone numbers, when the shards leave it out
DOCUMENTS = "documents"  # in the counts: the documents with something replaced


def redact_batch(batch: pa.RecordBatch, redaction: Redaction) -> tuple[pa.RecordBatch, dict[str, int]]:
    """The batch with its `text` redacted (and without LANGUAGE_HINT), and the replacements of each kind."""
    counts = dict.fromkeys([*redaction.kinds(), DOCUMENTS], 0)
    names = batch.schema.names
    hint = LANGUAGE_HINT if LANGUAGE_HINT in names else "language" if "language" in names else None
    language = batch.column(hint) if hint else None
    batch = batch.drop_columns([LANGUAGE_HINT]) if hint == LANGUAGE_HINT else batch
    text = batch.column("text")
    maybe = pc.fill_null(pc.match_substring_regex(text, redaction.hint()), False)
    rows = np.flatnonzero(maybe.to_numpy(zero_copy_only=False))
    if not len(rows):
        return batch, counts
    languages = language.take(rows).to_pylist() if language is not None else [None] * len(rows)
    changed = np.zeros(len(batch), dtype=bool)
    redacted = []
    for row, value, code in zip(rows, text.take(rows).to_pylist(), languages, strict=True):
        new, made = redact(value, redaction, code)
        if new != value:
            changed[row] = True
            redacted.append(new)
            counts[DOCUMENTS] += 1
            for kind, count in made.items():
                counts[kind] += count
    if not redacted:
        return batch, counts
    text = pc.replace_with_mask(text, pa.array(changed), pa.array(redacted, text.type))
    return batch.set_column(batch.schema.get_field_index("text"), "text", text), counts
