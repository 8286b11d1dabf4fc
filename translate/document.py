"""Documents translated through an engine: segmented, the unit's distinct segments batched by tokens in order of
length (a segment repeated anywhere in the call is translated once), the segments that came back failed retried
once with the engine's safer decoding, put back into each document's skeleton and checked.

The contract with the stage: `translate_documents(texts, source, target, engine, qc, identify)` gives one
`DocumentResult` per text (the translation and its QC columns, `QC_FIELDS` in translate/qc.py, `qc_pass` among
them) and the call's `SegmentCounts` for `_stats.json`; `SegmentCounts.add` sums those of several calls.
"""

from collections import Counter
from dataclasses import dataclass, field

from translate.engines.base import Engine, Translation
from translate.qc import Identify, QcConfig, document_qc, segment_outcome
from translate.segment import segment

MAX_BATCH_TOKENS = 4096  # source tokens in one call of the engine


@dataclass(frozen=True)
class DocumentResult:
    text: str
    qc: dict  # QC_FIELDS name -> value

    @property
    def qc_pass(self) -> bool:
        return self.qc["qc_pass"]


@dataclass
class SegmentCounts:
    """A call's books: segments (every occurrence) by outcome, the distinct ones the engine was given, repeats
    served from the cache, retries, tokens in and out, and documents passed or failed (and by failed check)."""
    segments: Counter = field(default_factory=Counter)
    distinct: int = 0
    cache_hits: int = 0
    retried: int = 0
    source_tokens: int = 0  # of the distinct segments: the engine's work
    target_tokens: int = 0
    documents: Counter = field(default_factory=Counter)

    def add(self, other: "SegmentCounts") -> None:
        self.segments.update(other.segments)
        self.documents.update(other.documents)
        self.distinct += other.distinct
        self.cache_hits += other.cache_hits
        self.retried += other.retried
        self.source_tokens += other.source_tokens
        self.target_tokens += other.target_tokens

    def as_dict(self) -> dict:
        total = self.distinct + self.cache_hits
        return {"segments": dict(sorted(self.segments.items())), "distinct_segments": self.distinct,
                "cache_hits": self.cache_hits, "cache_hit_rate": round(self.cache_hits / total, 4) if total else 0.0,
                "retried": self.retried, "source_tokens": self.source_tokens, "target_tokens": self.target_tokens,
                "documents": dict(sorted(self.documents.items()))}


def batches(segments: list[str], tokens: dict[str, int], max_tokens: int) -> list[list[str]]:
    """`segments` sorted by token count and cut into runs of at most `max_tokens` (a longer segment goes alone)."""
    runs: list[list[str]] = []
    size = 0
    for text in sorted(segments, key=lambda text: tokens[text]):
        if runs and size + tokens[text] <= max_tokens:
            runs[-1].append(text)
            size += tokens[text]
        else:
            runs.append([text])
            size = tokens[text]
    return runs


def _translate_all(engine: Engine, segments: list[str], tokens: dict[str, int], source: str, target: str,
                   max_batch_tokens: int) -> dict[str, Translation]:
    done: dict[str, Translation] = {}
    for batch in batches(segments, tokens, max_batch_tokens):
        translations = engine.translate(batch, source, target)
        if len(translations) != len(batch):
            raise RuntimeError(f"engine {engine.name} gave {len(translations)} translations for {len(batch)} segments")
        done.update(zip(batch, translations, strict=True))
    return done


def translate_documents(texts: list[str], source: str, target: str, engine: Engine, qc: QcConfig,
                        identify: Identify | None = None, max_batch_tokens: int = MAX_BATCH_TOKENS,
                        ) -> tuple[list[DocumentResult], SegmentCounts]:
    """Each text translated from `source` to `target` (ISO 639-1) and checked, with the call's counts."""
    cut = [segment(text, source, engine.max_segment_tokens, engine.count_tokens) for text in texts]
    occurrences = [piece for segmented in cut for piece in segmented.segments]
    distinct = list(dict.fromkeys(occurrences))
    tokens = {piece: engine.count_tokens(piece) for piece in distinct}
    done = _translate_all(engine, distinct, tokens, source, target, max_batch_tokens)
    outcome = {piece: segment_outcome(piece, done[piece], qc, engine.translates) for piece in distinct}

    retry, safer = [piece for piece in distinct if outcome[piece] != "ok"], engine.safer()
    if retry and safer is not None:
        done.update(_translate_all(safer, retry, tokens, source, target, max_batch_tokens))
        outcome.update((piece, segment_outcome(piece, done[piece], qc, engine.translates)) for piece in retry)
    retried = set(retry) if safer is not None else set()

    counts = SegmentCounts(distinct=len(distinct), cache_hits=len(occurrences) - len(distinct),
                           retried=sum(piece in retried for piece in occurrences),
                           source_tokens=sum(tokens.values()),
                           target_tokens=sum(translation.tokens or 0 for translation in done.values()))
    results = []
    for text, segmented in zip(texts, cut, strict=True):
        outputs = [done[piece].text for piece in segmented.segments]
        translated = segmented.rebuild(outputs)
        outcomes = [outcome[piece] for piece in segmented.segments]
        columns = document_qc(text, translated, list(zip(segmented.segments, outputs, strict=True)), outcomes,
                              sum(piece in retried for piece in segmented.segments), (source, target), qc, identify,
                              engine.translates)
        counts.segments.update(outcomes)
        counts.documents["passed" if columns["qc_pass"] else "failed"] += 1
        counts.documents.update(f"failed_{check}" for check in columns["qc_failed"])
        results.append(DocumentResult(translated, columns))
    return results, counts
