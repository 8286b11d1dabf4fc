"""QC on crafted outputs (wrong language, a repetition loop, empty, untranslated, cut at the limit), the one retry,
and the thresholds' file with its errors."""

from dataclasses import dataclass, field
from typing import ClassVar

import pytest

from pipeline.readers.langid import LanguageIdentifier
from translate.document import translate_documents
from translate.engines.base import Engine, Translation
from translate.qc import QC_FIELDS, QcError, load_qc

SOURCE = ("The children planted a small garden behind the school last spring.\n"
          "Every morning they measured how much the beans had grown.")
FRENCH = ("Les enfants ont planté un petit jardin derrière l'école au printemps dernier.",
          "Chaque matin, ils mesuraient combien les haricots avaient poussé.")
GERMAN = ("Die Kinder haben im letzten Frühling einen kleinen Garten hinter der Schule angelegt.",
          "Jeden Morgen haben sie gemessen, wie sehr die Bohnen gewachsen waren.")
SENTENCES = SOURCE.split("\n")


@dataclass
class Scripted(Engine):
    """An engine that answers what the test wrote for each segment, and on the retry what it wrote for that."""
    name: ClassVar[str] = "scripted"
    answers: dict
    retry: dict = field(default_factory=dict)
    calls: list = field(default_factory=list)
    options: dict = field(default_factory=lambda: {"max_segment_tokens": 256})

    def settings(self) -> dict:
        return {}

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def translate(self, segments: list[str], source: str, target: str) -> list[Translation]:
        self.calls.append(list(segments))
        return [self.answers[text] for text in segments]

    def safer(self) -> "Scripted | None":
        return Scripted(self.retry, calls=self.calls) if self.retry else None


@pytest.fixture(scope="module")
def identify(lid_model):
    identifier = LanguageIdentifier(lid_model)

    def top(text: str) -> tuple[str, float]:
        languages, scores = identifier.predict([text])
        return languages[0], float(scores[0])
    return top


def qc_of(answers: tuple[Translation, Translation], identify, retry=(), config=None) -> dict:
    engine = Scripted(dict(zip(SENTENCES, answers, strict=True)), dict(zip(SENTENCES, retry, strict=False)))
    [result], _ = translate_documents([SOURCE], "en", "fr", engine, config or load_qc(), identify)
    assert set(result.qc) == {name for name, _ in QC_FIELDS}
    return result.qc


def ok(*texts: str) -> tuple[Translation, ...]:
    return tuple(Translation(text, "ok") for text in texts)


def test_a_good_translation_passes(identify):
    qc = qc_of(ok(*FRENCH), identify)
    assert qc["qc_pass"] and qc["qc_failed"] == [] and qc["qc_skipped"] == []
    assert qc["qc_output_language"] == "fr" and qc["qc_output_language_score"] > 0.5
    assert qc["qc_length_ratio"] == pytest.approx(sum(map(len, FRENCH)) / sum(map(len, SENTENCES)))


def test_the_wrong_language_fails(identify):
    qc = qc_of(ok(*GERMAN), identify)
    assert qc["qc_output_language"] == "de" and qc["qc_failed"] == ["output_language"]


def test_a_repetition_loop_fails(identify):
    loop = " ".join(["les haricots poussent"] * 30)
    qc = qc_of(ok(FRENCH[0], loop), identify)
    assert "repetition" in qc["qc_failed"] and not qc["qc_pass"]
    assert qc["qc_dupe_ngram_share"] > 0.5


def test_an_untranslated_segment_is_retried_then_counted(identify):
    untranslated = ok(FRENCH[0], SENTENCES[1])
    qc = qc_of(untranslated, identify, retry=ok(SENTENCES[0], SENTENCES[1]))
    assert qc["qc_segments_untranslated"] == 1 and qc["qc_segments_retried"] == 1
    assert "untranslated" in qc["qc_failed"]


def test_empty_and_cut_segments_fail_unless_the_retry_mends_them(identify):
    broken = (Translation("", "empty"), Translation(FRENCH[1][:20], "cut"))
    qc = qc_of(broken, identify, retry=broken)
    assert qc["qc_segments_failed"] == 1 and qc["qc_segments_cut"] == 1 and qc["qc_segments_retried"] == 2
    assert {"failed", "cut"} <= set(qc["qc_failed"])
    mended = qc_of(broken, identify, retry=ok(*FRENCH))
    assert mended["qc_pass"] and mended["qc_segments_retried"] == 2 and mended["qc_segments_failed"] == 0


def test_a_length_ratio_out_of_bounds_fails(identify, tmp_path):
    short = ok("Les enfants.", "Les haricots.")
    assert "length_ratio" in qc_of(short, identify)["qc_failed"]
    loose = tmp_path / "qc.yaml"
    loose.write_text("min_length_ratio: 0.1\n")
    assert "length_ratio" not in qc_of(short, identify, config=load_qc(str(loose)))["qc_failed"]


def test_each_repeated_segment_is_sent_once():
    engine = Scripted(dict(zip(SENTENCES, ok(*FRENCH), strict=True)))
    results, counts = translate_documents([SOURCE, SOURCE, SENTENCES[0]], "en", "fr", engine, load_qc())
    assert sorted(text for call in engine.calls for text in call) == sorted(SENTENCES)
    assert counts.cache_hits == 3 and counts.distinct == 2
    assert results[2].text == FRENCH[0]


def test_the_defaults_and_a_file_over_them(tmp_path):
    path = tmp_path / "qc.yaml"
    path.write_text('max_cut_share: 0.1\nexpected_length_ratio:\n  "en-de": 1.2\n')
    config = load_qc(str(path))
    assert config.max_cut_share == 0.1 and config.expected_ratio("en", "de") == 1.2
    assert config.expected_ratio("en", "fr") == 1.0
    assert config.min_length_ratio == load_qc().min_length_ratio


@pytest.mark.parametrize(("text", "message"), [
    ("max_cut_share: 0.1\nmin_lenght_ratio: 0.2\n",
     ":2: min_lenght_ratio: unknown key (did you mean 'min_length_ratio'?)"),
    ("max_cut_share: lots\n", ":1: max_cut_share: a number of at least 0, not 'lots'"),
    ('expected_length_ratio:\n  "en": 1.2\n', ':2: expected_length_ratio.en: a pair is written "source-target"'),
    ("- 1\n", ":1: a QC file is a YAML mapping"),
    ("min_length_ratio: 3\n", "min_length_ratio 3 is above max_length_ratio 2.0"),
])
def test_a_bad_file_is_named_with_its_line_and_key(tmp_path, text, message):
    path = tmp_path / "qc.yaml"
    path.write_text(text)
    with pytest.raises(QcError) as error:
        load_qc(str(path))
    assert str(error.value).startswith(str(path)) and message in str(error.value)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(QcError, match=f"{tmp_path / 'nope.yaml'}: cannot read the QC file: No such file"):
        load_qc(str(tmp_path / "nope.yaml"))
