"""The interface every translation engine has, and how one is loaded (once per process).

The contract with the stage: `load_engine(name, model, options)` gives an `Engine` for `ct2`, `vllm`, `hf` or
`identity`, loaded once per executor process (a cache keyed by name, model and options). An engine has `name`,
`model` (None for identity), `license` (the model's SPDX id, or None when unknown), `settings()` (the decoding
settings that shape its output, for the stage's fingerprint), `max_segment_tokens` (the longest segment it takes,
for `segment`), `count_tokens(text)`, `translate(segments, source, target) -> list[Translation]` (ISO 639-1 codes),
`translates` (False for identity, whose output checks are skipped) and `safer()`, the same model with safer decoding
for the one retry of a failed segment (None when there is nothing safer to try).
"""

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from importlib import import_module
from typing import ClassVar

from filters.suggest import closest

STATUSES = ("ok", "cut", "empty", "failed")  # cut: decoding stopped at the length limit


@dataclass(frozen=True)
class Translation:
    text: str
    status: str  # one of STATUSES
    tokens: int | None = None  # target tokens generated, where the engine knows


class EngineError(ValueError):
    """An engine that cannot be loaded as asked: an unknown name or option, a model that is not there."""


class Engine(ABC):
    name: ClassVar[str]
    translates: ClassVar[bool] = True
    model: str | None = None
    license: str | None = None
    options: dict  # the engine's options, defaults filled in (take_options)

    @property
    def max_segment_tokens(self) -> int:
        """The longest segment the engine takes, in its tokens (`max_segment_tokens=`)."""
        return int(self.options["max_segment_tokens"])

    @abstractmethod
    def settings(self) -> dict:
        """The decoding settings that shape the output (part of the stage's fingerprint)."""

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        """The model's source tokens in `text`."""

    @abstractmethod
    def translate(self, segments: list[str], source: str, target: str) -> list[Translation]:
        """One translation per segment, in order; `source` and `target` are ISO 639-1 codes."""

    def safer(self) -> "Engine | None":
        return None


# name -> the module whose `load(model, options)` gives the engine
ENGINES = {"ct2": "translate.engines.ct2", "vllm": "translate.engines.vllm", "hf": "translate.engines.hf",
           "identity": "translate.engines.identity"}
_LOADED: dict[tuple, Engine] = {}


def load_engine(name: str, model: str | None, options: dict) -> Engine:
    """The engine `name` with `model` and `options`, loaded once per process."""
    key = (name, model, json.dumps(options, sort_keys=True, default=str))
    if key not in _LOADED:
        if name not in ENGINES:
            raise EngineError(f"unknown engine {name!r}{closest(name, ENGINES)}; engines: {', '.join(ENGINES)}")
        # each engine's module imports its optional library at its top: loaded only when the engine is asked for
        _LOADED[key] = import_module(ENGINES[name]).load(model, dict(options))
    return _LOADED[key]


def take_options(options: dict, defaults: dict, engine: str) -> dict:
    """`defaults` updated with `options`, refusing an option the engine does not have (with the closest one)."""
    for key in options:
        if key not in defaults:
            raise EngineError(f"engine {engine}: unknown option {key!r}{closest(key, defaults)}; "
                              f"options: {', '.join(sorted(defaults))}")
    return {**defaults, **options}


def whitespace_tokens(text: str) -> int:
    return len(text.split())

