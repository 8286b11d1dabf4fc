"""Hugging Face transformers: the slow reference engine, for a model not converted to CTranslate2.

`--model` is a Hugging Face id or directory of a Marian (OPUS-MT), NLLB-200 or M2M-100 model. transformers needs
torch, several GB with CUDA: it is the optional `hf` extra, never part of the test install, so this engine is
not run by the tests (the ct2 engine is, on the same model shapes). NLLB-200 and M2M-100 take the source language
as the tokenizer's `src_lang` and the target's token as the first generated one; a multilingual OPUS-MT model its
`>>xxx<<` token before the text.
"""

from dataclasses import dataclass
from typing import ClassVar

from translate.engines.base import Engine, EngineError, Translation, take_options
from translate.languages import m2m100_token, nllb_code, opus_tokens

DEFAULTS = {"beam_size": 4, "max_new_tokens": 512, "max_segment_tokens": 256, "device": "cpu", "license": None}


@dataclass
class HfEngine(Engine):
    name: ClassVar[str] = "hf"
    tokenizer: object
    network: object
    options: dict
    model: str
    license: str | None

    def settings(self) -> dict:
        return {"beam_size": self.options["beam_size"], "max_new_tokens": self.options["max_new_tokens"],
                "max_segment_tokens": self.max_segment_tokens}

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def _target_token(self, source: str, target: str) -> tuple[list[str], str | None]:
        """The segments' prefix (multilingual OPUS-MT) and the forced first token (NLLB-200, M2M-100)."""
        vocabulary = self.tokenizer.get_vocab()
        for code in (nllb_code(target), m2m100_token(target)):
            if code in vocabulary:
                self.tokenizer.src_lang = nllb_code(source) if code == nllb_code(target) else source
                return [], code
        found = [token for token in opus_tokens(target) if token in vocabulary]
        return found[:1], None

    def translate(self, segments: list[str], source: str, target: str) -> list[Translation]:
        prefix, forced = self._target_token(source, target)
        inputs = self.tokenizer([" ".join([*prefix, text]) for text in segments], return_tensors="pt",
                                padding=True).to(self.options["device"])
        extra = {"forced_bos_token_id": self.tokenizer.convert_tokens_to_ids(forced)} if forced else {}
        limit = int(self.options["max_new_tokens"])
        generated = self.network.generate(**inputs, num_beams=int(self.options["beam_size"]), max_new_tokens=limit,
                                          **extra)
        translations = []
        for ids in generated.tolist():
            ids = [i for i in ids if i != self.tokenizer.pad_token_id]
            ended = self.tokenizer.eos_token_id in ids
            text = self.tokenizer.decode(ids, skip_special_tokens=True)
            translations.append(Translation(text, "cut" if not ended and len(ids) >= limit else
                                            "ok" if text.strip() else "empty", len(ids)))
        return translations


def load(model: str | None, options: dict) -> HfEngine:
    if model is None:
        raise EngineError("engine hf needs --model: a Hugging Face id or directory of a translation model")
    options = take_options(options, DEFAULTS, "hf")
    # transformers is the optional `hf` extra (it brings torch): imported only when this engine is asked for
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    network = AutoModelForSeq2SeqLM.from_pretrained(model).to(options["device"]).eval()
    return HfEngine(AutoTokenizer.from_pretrained(model), network, options, model, options["license"])
