"""The quality checks of a translated document, their thresholds (qc.yaml, overridable by a file of the same keys)
and the QC columns the stage writes (`QC_FIELDS`: names and Arrow types, `qc_pass` last).

A check that fails names itself in `qc_failed`; one that cannot run (the identity engine translates nothing, so
`untranslated` and `output_language` are skipped; `output_language` without a language ID) is named in
`qc_skipped` and does not count against `qc_pass`.
"""

import zlib
from collections.abc import Callable
from dataclasses import dataclass, fields
from importlib.resources import files

import pyarrow as pa

from filters.suggest import closest
from recipes.yaml_text import YamlError, located, parse_yaml, read_yaml
from signals.document import Document
from signals.repetition import frac_chars_dupe_ngrams
from translate.engines.base import Translation

Identify = Callable[[str], tuple[str, float]]  # text -> (ISO 639-1 code, score)

CHECKS = ("length_ratio", "output_language", "repetition", "untranslated", "cut", "failed")
# a segment's outcome after the retry: the engine's status, or `untranslated` when an ok output equals its source
OUTCOMES = ("ok", "cut", "empty", "failed", "untranslated")

QC_FIELDS = [
    ("qc_segments", pa.int64()),  # segments translated (the skeleton is not)
    ("qc_segments_retried", pa.int64()),
    ("qc_segments_cut", pa.int64()),
    ("qc_segments_failed", pa.int64()),  # empty or failed after the retry
    ("qc_segments_untranslated", pa.int64()),  # null when skipped
    ("qc_length_ratio", pa.float64()),  # output over source characters of the segments; null without segments
    ("qc_output_language", pa.string()),  # null when skipped
    ("qc_output_language_score", pa.float64()),
    ("qc_compression_ratio", pa.float64()),  # zlib's compressed over raw bytes of the output
    ("qc_dupe_ngram_share", pa.float64()),  # characters in duplicated word 5-grams of the output
    ("qc_failed", pa.list_(pa.string())),  # the checks that failed, in CHECKS order
    ("qc_skipped", pa.list_(pa.string())),
    ("qc_pass", pa.bool_()),
]


class QcError(ValueError):
    """A QC file that cannot be used; the message starts with `file:line: key:`."""


@dataclass(frozen=True)
class QcConfig:
    min_length_ratio: float
    max_length_ratio: float
    expected_length_ratio: dict  # "source-target" -> output/source characters
    min_language_score: float
    min_compression_ratio: float
    max_dupe_ngram_increase: float
    max_untranslated_share: float
    untranslated_min_letters: int
    max_cut_share: float
    max_failed_share: float

    def expected_ratio(self, source: str, target: str) -> float:
        return float(self.expected_length_ratio.get(f"{source}-{target}", 1.0))


DEFAULT_QC = "qc.yaml"  # beside this module, package data


def _read(text: str, source: str, base: dict | None) -> dict:
    """The QC values of one YAML text over `base`, each key checked against the known ones and its type."""
    try:
        document = parse_yaml(text, source)
    except YamlError as exc:
        raise QcError(str(exc)) from None
    data = {} if document.data is None else document.data
    if not isinstance(data, dict):
        raise QcError(f"{source}:1: a QC file is a YAML mapping of thresholds (min_length_ratio: 0.5, ...)")
    known = [field.name for field in fields(QcConfig)]
    values = dict(base or {})
    for key, value in data.items():
        def refuse(message: str, path: tuple = (key,)) -> QcError:
            return QcError(located(source, document.lines, path, message))
        if key not in known:
            raise refuse(f"unknown key{closest(str(key), known)}; known keys: {', '.join(known)}")
        if key == "expected_length_ratio":
            if not isinstance(value, dict):
                raise refuse('a mapping of "source-target" pairs to ratios, e.g. "en-de": 1.2')
            for pair, ratio in value.items():
                if not isinstance(pair, str) or pair.count("-") != 1:
                    raise refuse('a pair is written "source-target", e.g. "en-de"', (key, pair))
                if isinstance(ratio, bool) or not isinstance(ratio, int | float) or ratio <= 0:
                    raise refuse(f"a ratio is a positive number, not {ratio!r}", (key, pair))
            values[key] = {**values.get(key, {}), **value}
        elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise refuse(f"a number of at least 0, not {value!r}")
        else:
            values[key] = value
    return values


def load_qc(path: str | None = None) -> QcConfig:
    """The default thresholds (qc.yaml), with those of the file at `path` over them."""
    values = _read((files("translate") / DEFAULT_QC).read_text(encoding="utf-8"), f"translate/{DEFAULT_QC}", None)
    try:
        values = values if path is None else _read(read_yaml(path), path, values)
    except OSError as exc:
        raise QcError(f"{path}: cannot read the QC file: {exc.strerror}") from None
    except YamlError as exc:  # read_yaml's: too large, not UTF-8
        raise QcError(str(exc)) from None
    if values["min_length_ratio"] > values["max_length_ratio"]:
        raise QcError(f"{path or DEFAULT_QC}: min_length_ratio {values['min_length_ratio']} is above "
                      f"max_length_ratio {values['max_length_ratio']}")
    return QcConfig(**values)


def _letters(text: str) -> int:
    return sum(char.isalpha() for char in text)


def segment_outcome(source: str, translation: Translation, config: QcConfig, translates: bool) -> str:
    """What became of one segment: its status, `empty` for blank output, or `untranslated` (only for engines that
    translate, and for segments long enough that leaving them as they are is a miss)."""
    if translation.status != "ok":
        return translation.status
    if not translation.text.strip():
        return "empty"
    unchanged = translation.text.strip() == source.strip()
    if translates and unchanged and _letters(source) >= config.untranslated_min_letters:
        return "untranslated"
    return "ok"


def compression_ratio(text: str) -> float | None:
    raw = text.encode("utf-8")
    return len(zlib.compress(raw, 9)) / len(raw) if raw else None


def dupe_ngram_share(text: str) -> float:
    return frac_chars_dupe_ngrams(Document(text), 5)[0][2]


def document_qc(source_text: str, output_text: str, segments: list[tuple[str, str]], outcomes: list[str],
                retried: int, languages: tuple[str, str], config: QcConfig, identify: Identify | None,
                translates: bool) -> dict:
    """The QC columns of one document: `segments` are its (source, output) pairs, `outcomes` theirs, `languages`
    (source, target)."""
    failed, skipped = set(), set()
    count = {outcome: outcomes.count(outcome) for outcome in OUTCOMES}
    total = len(outcomes)

    source_chars = sum(len(source) for source, _ in segments)
    ratio = sum(len(output) for _, output in segments) / source_chars if source_chars else None
    expected = config.expected_ratio(*languages)
    if ratio is not None and not (config.min_length_ratio * expected <= ratio <= config.max_length_ratio * expected):
        failed.add("length_ratio")

    language = score = None
    if not translates or identify is None:
        skipped.add("output_language")
    elif total:
        language, score = identify(output_text)
        if language != languages[1] or score < config.min_language_score:
            failed.add("output_language")

    output_compression, source_compression = compression_ratio(output_text), compression_ratio(source_text)
    dupes = dupe_ngram_share(output_text)
    if ((output_compression is not None and output_compression < config.min_compression_ratio
         and not (source_compression is not None and source_compression < config.min_compression_ratio))
            or dupes - dupe_ngram_share(source_text) > config.max_dupe_ngram_increase):
        failed.add("repetition")

    if not translates:
        skipped.add("untranslated")
    elif total and count["untranslated"] / total > config.max_untranslated_share:
        failed.add("untranslated")
    if total and count["cut"] / total > config.max_cut_share:
        failed.add("cut")
    if total and (count["empty"] + count["failed"]) / total > config.max_failed_share:
        failed.add("failed")

    values = [total, retried, count["cut"], count["empty"] + count["failed"],
              None if "untranslated" in skipped else count["untranslated"], ratio, language, score,
              output_compression, dupes, [check for check in CHECKS if check in failed],
              [check for check in CHECKS if check in skipped], not failed]
    return dict(zip((name for name, _ in QC_FIELDS), values, strict=True))
