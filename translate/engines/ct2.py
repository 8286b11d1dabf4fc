"""CTranslate2 models: OPUS-MT/Marian, NLLB-200 and M2M-100, converted to CTranslate2's format.

`--model` is the converted model's directory. Its family is read from its vocabulary: FLORES-200 tokens
(`eng_Latn`) make it NLLB-200, `__en__` tokens M2M-100, anything else Marian (multilingual when it has `>>xx<<`
target tokens). Its SentencePiece model is the one those models ship beside the weights: `source.spm` and
`target.spm` for OPUS-MT (copy them next to the converted model, or name them with `spm=` and `target_spm=`),
`sentencepiece.bpe.model` for NLLB-200 and M2M-100. Inputs are written as CTranslate2's guides write them
(https://opennmt.net/CTranslate2/guides/transformers.html, NLLB and M2M-100): the source language token, the pieces
and `</s>`, with the target language token as the target prefix; for Marian the pieces, after the `>>xx<<` token.
"""

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

import ctranslate2

from licenses.mt_models import model_license
from translate.engines.base import Engine, EngineError, Translation, take_options
from translate.engines.tokens import load_spm
from translate.languages import m2m100_token, nllb_code, opus_tokens

# The model's licence when `license=` does not name it: by the model's name, else by its family, as
# licenses/mt_models.py knows them (a Marian model of unknown name is taken for OPUS-MT)
FAMILY_NAMES = {"nllb": "nllb-200", "m2m100": "m2m-100", "marian": "opus-mt"}
SPM_FILES = {"nllb": ("sentencepiece.bpe.model",) * 2, "m2m100": ("sentencepiece.bpe.model",) * 2,
             "marian": ("source.spm", "target.spm")}
DECODING = ("beam_size", "max_decoding_length", "repetition_penalty", "no_repeat_ngram_size")
DEFAULTS = {
    # beam 4 and segments of at most 512 tokens, as Helsinki-NLP's translate-fineweb decodes
    "beam_size": 4, "max_decoding_length": 512, "repetition_penalty": 1.0, "no_repeat_ngram_size": 0,
    "max_segment_tokens": 256,
    # the one retry of a failed segment: a wider beam, repeated tokens penalised, no 4-gram twice
    "retry_beam_size": 5, "retry_repetition_penalty": 1.2, "retry_no_repeat_ngram_size": 4,
    "device": "cpu", "compute_type": None, "inter_threads": 1, "intra_threads": 0,
    "spm": None, "target_spm": None, "license": None,
}


def _vocabulary(model: Path) -> list[str]:
    """The source vocabulary of a converted model (shared, or the source side's)."""
    for name in ("shared_vocabulary", "source_vocabulary"):
        if (model / f"{name}.json").is_file():
            return json.loads((model / f"{name}.json").read_text(encoding="utf-8"))
        if (model / f"{name}.txt").is_file():
            return (model / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    raise EngineError(f"{model}: no CTranslate2 vocabulary (shared_vocabulary.json or source_vocabulary.json): "
                      "convert it with ct2-transformers-converter, ct2-opus-mt-converter or ct2-marian-converter")


def _family(tokens: set[str]) -> str:
    if "eng_Latn" in tokens:
        return "nllb"
    if "__en__" in tokens:
        return "m2m100"
    return "marian"


@dataclass
class Ct2Engine(Engine):
    name: ClassVar[str] = "ct2"
    family: str
    options: dict
    translator: ctranslate2.Translator = field(repr=False)
    source_spm: object = field(repr=False)
    target_spm: object = field(repr=False)
    tokens: set[str] = field(repr=False)
    decoding: dict
    model: str
    license: str | None

    def settings(self) -> dict:
        return {**self.decoding, "compute_type": self.options["compute_type"],
                "max_segment_tokens": self.max_segment_tokens, "retry": self._retry()}

    def _retry(self) -> dict:
        return {key: self.options[f"retry_{key}"] for key in DECODING if f"retry_{key}" in self.options}

    def count_tokens(self, text: str) -> int:
        return len(self.source_spm.encode(text))

    def language_tokens(self, source: str, target: str) -> tuple[list[str], list[str], list[str]]:
        """The tokens before and after a source's pieces, and the target prefix, for this model's family."""
        if self.family == "nllb":
            return [self._known(nllb_code(source))], ["</s>"], [self._known(nllb_code(target))]
        if self.family == "m2m100":
            return [self._known(m2m100_token(source))], ["</s>"], [self._known(m2m100_token(target))]
        targets = sorted(token for token in self.tokens if token.startswith(">>") and token.endswith("<<"))
        if not targets:  # a model of one language pair
            return [], [], []
        found = [token for token in opus_tokens(target) if token in self.tokens]
        if not found:
            raise EngineError(f"{self.model}: no target token for {target!r} ({' or '.join(opus_tokens(target))}); "
                              f"the model has {', '.join(targets[:20])}")
        return found[:1], [], []

    def _known(self, token: str) -> str:
        if token not in self.tokens:
            raise EngineError(f"{self.model}: the {self.family} model has no language token {token}")
        return token

    def translate(self, segments: list[str], source: str, target: str) -> list[Translation]:
        before, after, prefix = self.language_tokens(source, target)
        batch = [before + self.source_spm.encode(text, out_type=str) + after for text in segments]
        try:
            results = self.translator.translate_batch(
                batch, target_prefix=[prefix] * len(batch) if prefix else None, return_end_token=True,
                max_input_length=0, **self.decoding)
        except RuntimeError:  # CTranslate2's error for a batch it could not decode (out of memory, too long, ...)
            if len(segments) == 1:
                return [Translation("", "failed")]
            return [translation for text in segments for translation in self.translate([text], source, target)]
        return [self._translation(result.hypotheses[0][len(prefix):]) for result in results]

    def _translation(self, pieces: list[str]) -> Translation:
        ended = bool(pieces) and pieces[-1] == "</s>"
        pieces = pieces[:-1] if ended else pieces
        text = self.target_spm.decode(pieces)
        return Translation(text, ("ok" if text.strip() else "empty") if ended else "cut", len(pieces))

    def safer(self) -> "Ct2Engine | None":
        merged = {**self.decoding, **self._retry()}
        return None if merged == self.decoding else replace(self, decoding=merged)


def load(model: str | None, options: dict) -> Ct2Engine:
    if model is None:
        raise EngineError("engine ct2 needs --model: the directory of a model converted to CTranslate2")
    options = take_options(options, DEFAULTS, "ct2")
    path = Path(model)
    if not (path / "model.bin").is_file():
        raise EngineError(f"{model}: not a CTranslate2 model directory (no model.bin)")
    tokens = set(_vocabulary(path))
    family = _family(tokens)
    spm_names = SPM_FILES[family]
    source_spm = load_spm(options["spm"] or str(path / spm_names[0]))
    target_spm = load_spm(options["target_spm"] or options["spm"] or str(path / spm_names[1]))
    # int8 on CPU, CTranslate2's fastest there; on GPU int8 weights with float16, half float16's memory for 10%
    # fewer tokens/s (OPUS-MT En-De on an A10G: https://github.com/OpenNMT/CTranslate2, README, "Benchmarks")
    options["compute_type"] = options["compute_type"] or ("int8" if options["device"] == "cpu" else "int8_float16")
    translator = ctranslate2.Translator(str(path), device=options["device"], compute_type=options["compute_type"],
                                        inter_threads=int(options["inter_threads"]),
                                        intra_threads=int(options["intra_threads"]))
    license = options["license"] or model_license(model) or model_license(FAMILY_NAMES[family])
    return Ct2Engine(family, options, translator, source_spm, target_spm, tokens,
                     {key: options[key] for key in DECODING}, model, license)
