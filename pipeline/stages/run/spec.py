"""The pipeline file (docs/pipeline.md): the inputs, each stage's settings, the recipes and the output root, read
from YAML into a checked `Pipeline`, every mistake named as `file:line: key: message`."""

import os
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pipeline.readers.html_text import EXTRACTORS
from pipeline.stages.dedup import DedupOptions
from pipeline.stages.translate.selection import Slice
from recipes.loader import validated, yaml_text
from recipes.yaml_text import located
from translate.engines.base import ENGINES
from translate.languages import language


class PipelineError(ValueError):
    """A pipeline file that cannot be read; the message starts with `file:line: key:`."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Inputs(_Section):
    """What ingest reads: WARC/WET files or folders, a Common Crawl crawl's files, or source files."""

    files: list[str] = []  # relative to the pipeline file, or URLs
    crawl: str | None = None  # e.g. CC-MAIN-2024-10 (network needed)
    segments: str = "0"  # with crawl: the segments to read
    limit_files: int | None = Field(default=None, ge=1)  # with crawl: the files to read
    sources: list[str] = []  # source files (docs/sources.md), relative to the pipeline file

    @model_validator(mode="after")
    def _one_kind(self):
        if sum(map(bool, (self.files, self.crawl, self.sources))) != 1:
            raise ValueError("give one of files: (WARC/WET files or folders), crawl: (a Common Crawl crawl) or "
                             "sources: (source files)")
        return self


class IngestSection(_Section):
    extractor: Literal[EXTRACTORS] = "trafilatura"
    languages: list[str] = []  # keep only these (lid.176 codes); empty: all
    min_chars: int = Field(default=1, ge=1)
    limit_records: int | None = Field(default=None, ge=1)  # records read per file
    lid_chars: int = Field(default=1000, ge=1)


class SignalsSection(_Section):
    artifacts: str | None = None  # the artifacts folder (`curate artifacts`), relative to the pipeline file


class DedupSection(_Section):
    mode: Literal["fuzzy", "exact", "digest", "url"] = "fuzzy"
    thresholds: list[float] = Field(default=[0.8], min_length=1)
    verify: Literal["minhash", "exact", "none"] = "minhash"
    prefer: Literal["newest", "oldest"] = "newest"


class TranslateSection(_Section):
    """As `curate translate` (docs/translate.md): the documents translated before their signals."""

    targets: list[str] = Field(min_length=1)  # ISO 639-1 codes
    engine: Literal[tuple(ENGINES)]
    model: str | None = None  # a Hub id, or a model folder relative to the pipeline file
    options: dict[str, str] = {}  # the engine's options, as --option KEY=VALUE gives them
    source: str = "en"
    qc: str | None = None  # a QC file, relative to the pipeline file
    keep_source: bool = False
    dumps: list[str] = []  # the slice: as --dumps, --min-int-score, ...
    min_int_score: int | None = None
    min_score: float | None = None
    fraction: float | None = Field(default=None, gt=0, le=1)
    seed: int = 0
    max_docs: int | None = Field(default=None, ge=1)
    max_tokens: int | None = Field(default=None, ge=1)

    @field_validator("targets", "source")
    @classmethod
    def _known(cls, value: list[str] | str):
        for code in [value] if isinstance(value, str) else value:
            language(code)
        return value

    @model_validator(mode="after")
    def _translated(self):
        if self.source in self.targets:
            raise ValueError(f"target {self.source}: the documents are in that language already (source)")
        return self

    def selection(self) -> Slice:
        return Slice(tuple(self.dumps), self.min_int_score, self.min_score, self.fraction, self.seed, self.max_docs,
                     self.max_tokens)


class Pipeline(_Section):
    output: str = "."  # the root folder of every stage's output, relative to the pipeline file
    inputs: Inputs
    ingest: IngestSection = IngestSection()
    signals: SignalsSection = SignalsSection()
    translate: TranslateSection | None = None  # none: the documents go to signals untranslated
    dedup: DedupSection = DedupSection()
    recipes: list[str] = Field(min_length=1)  # recipe files, relative to the pipeline file
    report: bool = True  # each subset's report.html
    publish: dict[str, str] = {}  # recipe name -> Hugging Face dataset repository
    on_error: Literal["fail", "skip"] = "fail"  # an input file that cannot be read: stop, or name it and go on


@dataclass(frozen=True)
class LoadedPipeline:
    """A checked pipeline file: its model, where it is, and the line of each key (for later errors)."""

    pipeline: Pipeline
    path: str
    lines: dict[tuple, int]

    def resolve(self, location: str) -> str:
        """A path of the file made absolute against the file's folder; URLs stay as written."""
        if "://" in location:
            return location
        return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(self.path)), location))

    def error(self, key: tuple, message: str) -> PipelineError:
        return PipelineError(located(self.path, self.lines, key, message))

    @property
    def root(self) -> str:
        return self.resolve(self.pipeline.output)


def load_pipeline(path: str) -> LoadedPipeline:
    """The pipeline a YAML file describes (PipelineError naming the file, the line and the key)."""
    pipeline, lines = validated(yaml_text(path, "pipeline file", PipelineError), path, Pipeline, PipelineError,
                                "a pipeline file is a YAML mapping (output:, inputs:, recipes:, ...)")
    loaded = LoadedPipeline(pipeline, path, lines)
    try:
        dedup_options(pipeline)
    except ValueError as exc:
        raise loaded.error(("dedup",), str(exc)) from None
    for index, recipe in enumerate(pipeline.recipes):
        if not os.path.isfile(loaded.resolve(recipe)):
            raise loaded.error(("recipes", index), f"no such recipe file: {loaded.resolve(recipe)}")
    given = pipeline.inputs
    for key, location in [*((("inputs", "files", i), f) for i, f in enumerate(given.files)),
                          *((("inputs", "sources", i), f) for i, f in enumerate(given.sources)),
                          (("signals", "artifacts"), pipeline.signals.artifacts),
                          (("translate", "qc"), pipeline.translate and pipeline.translate.qc)]:
        if location and "://" not in location and not os.path.exists(loaded.resolve(location)):
            raise loaded.error(key, f"no such file or folder: {loaded.resolve(location)}")
    return loaded


def dedup_options(pipeline: Pipeline) -> DedupOptions:
    section = pipeline.dedup
    return DedupOptions(section.mode, tuple(section.thresholds), section.verify, section.prefer)
