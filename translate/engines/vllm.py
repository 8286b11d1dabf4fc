"""An instruction LLM asked to translate each segment at temperature 0, served by vLLM on a GPU node.

TransWeb-Edu's first version translated FineWeb-Edu with Mistral-7B-Instruct this way (arXiv 2410.23956). vLLM
no longer serves encoder-decoder models such as NLLB (vllm-project/vllm PR #24907): this engine is for
decoder-only translators (Mistral, Tower, EuroLLM, Qwen). The model talks to the engine through a client with
`complete(prompts, settings) -> [(answer, finish_reason)]` and `count_tokens(text)`; `VllmClient` is vLLM's
offline `LLM` behind that interface (the `vllm` extra), and the tests give a stand-in. An answer is cleaned of
what instruction models wrap around a translation (a label line, code fences, quotes the source did not have, a
trailing note); `finish_reason == "length"` is a segment cut at the limit.
"""

import hashlib
import re
from dataclasses import dataclass, replace
from typing import ClassVar, Protocol

from translate.engines.base import Engine, EngineError, Translation, take_options
from translate.languages import language

PROMPT = ("Translate the following {source} text into {target}. Answer with the {target} translation only, "
          "nothing before or after it, and keep its punctuation and numbers.\n\n{text}")
PROMPT_VERSION = hashlib.sha256(PROMPT.encode()).hexdigest()[:12]  # part of the settings: a new prompt, new output
DEFAULTS = {"max_tokens": 512, "max_segment_tokens": 256, "repetition_penalty": 1.0,
            "retry_repetition_penalty": 1.1, "tensor_parallel_size": 1, "license": None}

_FENCE = re.compile(r"^```[^\n]*\n(.*?)\n?```$", re.S)
_NOTE = re.compile(r"\n\s*\(?(?:note|translator's note|explanation)\b.*$", re.S | re.I)
_QUOTES = {'"': '"', "'": "'", "“": "”", "«": "»", "„": "“"}


class Client(Protocol):
    def complete(self, prompts: list[str], settings: dict) -> list[tuple[str, str]]: ...

    def count_tokens(self, text: str) -> int: ...


def _label(target: str) -> re.Pattern:
    """A first line that only announces the answer: `Translation:`, `French:`, `Here is the French translation:`."""
    return re.compile(rf"^\s*(?:here is |here's )?(?:the )?(?:{re.escape(target)} )?(?:translation|{re.escape(target)})"
                      rf"(?: \(?{re.escape(target)}\)?)?\s*:\s*\n?", re.I)


def parse_answer(answer: str, source_text: str, target: str) -> str:
    """The translation in an instruction model's answer to PROMPT for `source_text` into `target` (a name)."""
    text = answer.strip()
    fenced = _FENCE.match(text)
    if fenced and "```" not in source_text:
        text = fenced.group(1).strip()
    text = _label(target).sub("", text, count=1).strip()
    if "\n" not in source_text.strip():
        text = _NOTE.sub("", text).strip()
    quoted = len(text) >= 2 and _QUOTES.get(text[0]) == text[-1]
    if quoted and source_text.strip()[:1] not in _QUOTES:
        text = text[1:-1].strip()
    return text


@dataclass
class VllmEngine(Engine):
    name: ClassVar[str] = "vllm"
    client: Client
    options: dict
    repetition_penalty: float
    model: str
    license: str | None

    def settings(self) -> dict:
        return {"prompt": PROMPT_VERSION, "temperature": 0, "max_tokens": self.options["max_tokens"],
                "repetition_penalty": self.repetition_penalty,
                "retry_repetition_penalty": self.options["retry_repetition_penalty"],
                "max_segment_tokens": self.max_segment_tokens}

    def count_tokens(self, text: str) -> int:
        return self.client.count_tokens(text)

    def translate(self, segments: list[str], source: str, target: str) -> list[Translation]:
        names = {"source": language(source).name, "target": language(target).name}
        prompts = [PROMPT.format(text=text, **names) for text in segments]
        answers = self.client.complete(prompts, {"temperature": 0.0, "max_tokens": int(self.options["max_tokens"]),
                                                 "repetition_penalty": float(self.repetition_penalty)})
        translations = []
        for text, (answer, finish_reason) in zip(segments, answers, strict=True):
            parsed = parse_answer(answer, text, names["target"])
            status = "cut" if finish_reason == "length" else "ok" if parsed else "empty"
            translations.append(Translation(parsed, status, self.client.count_tokens(answer)))
        return translations

    def safer(self) -> "VllmEngine | None":
        penalty = self.options["retry_repetition_penalty"]
        return None if penalty == self.repetition_penalty else replace(self, repetition_penalty=penalty)


class VllmClient:
    """vLLM's offline engine on this process's GPUs, the model's chat template around each prompt."""

    def __init__(self, model: str, tensor_parallel_size: int):
        # vllm is the optional `vllm` extra (it brings torch and CUDA): imported only when this engine is asked for
        from vllm import LLM, SamplingParams

        self.llm, self.sampling = LLM(model=model, tensor_parallel_size=tensor_parallel_size), SamplingParams
        self.tokenizer = self.llm.get_tokenizer()

    def complete(self, prompts: list[str], settings: dict) -> list[tuple[str, str]]:
        outputs = self.llm.chat([[{"role": "user", "content": prompt}] for prompt in prompts],
                                self.sampling(**settings), use_tqdm=False)
        return [(output.outputs[0].text, output.outputs[0].finish_reason) for output in outputs]

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))


def engine(client: Client, model: str, options: dict) -> VllmEngine:
    """The engine around a client (vLLM's, or a test's stand-in)."""
    options = take_options(options, DEFAULTS, "vllm")
    return VllmEngine(client, options, float(options["repetition_penalty"]), model, options["license"])


def load(model: str | None, options: dict) -> VllmEngine:
    if model is None:
        raise EngineError("engine vllm needs --model: a Hugging Face id or directory of an instruction model")
    checked = take_options(options, DEFAULTS, "vllm")
    return engine(VllmClient(model, int(checked["tensor_parallel_size"])), model, options)
