"""The recipe format: what a recipe YAML may say, checked by pydantic before any Spark work (docs/recipes.md)."""

import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from filters.pii import KINDS, Redaction, found_kind
from filters.suggest import closest
from recipes.exclude import ListError, normal_value

SIZE_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 2**10, "mib": 2**20, "gib": 2**30}
# Below this a shard is mostly its Parquet footer (schema, statistics: a few KB) and the job runs a task per shard.
MIN_SHARD_SIZE = 10**4


def parse_size(text: str | int) -> int:
    """Bytes of '500MB', '1.5GiB' or a plain number of bytes."""
    if isinstance(text, int):
        return text
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]i?B|B)?\s*", str(text), re.IGNORECASE)
    if not match:
        raise ValueError(f"{text!r} is not a size such as 500MB or 1GiB")
    return int(float(match.group(1)) * SIZE_UNITS[(match.group(2) or "b").lower()])


def refusal(at: tuple, message: str) -> PydanticCustomError:
    """A refusal of the key path `at` inside the model that raises it; the loader names the whole path."""
    return PydanticCustomError("recipe", "{message}", {"message": message, "at": at})


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Input(Strict):
    path: str = Field(description="output of curate signals/dedup, Parquet or jsonl files, a directory or a glob")
    format: Literal["auto", "parquet", "jsonl"] = "auto"


DEDUP_WORDS = ("drop", "keep")


class Dedup(Strict):
    """What to do with the documents `curate dedup` marked as duplicates (is_duplicate; the representative stays):
    `dedup: drop` drops them whatever mode marked them, `dedup: keep` keeps them, and `{fuzzy|exact|url: true}`
    drops them and requires the inputs to have been marked in that mode."""
    fuzzy: bool = False
    exact: bool = False
    url: bool = False
    marked: Literal["drop", "keep"] | None = Field(None, description="set by the words `dedup: drop` / `dedup: keep`")

    @model_validator(mode="before")
    @classmethod
    def _word(cls, value):
        if isinstance(value, str):
            if value not in DEDUP_WORDS:
                raise refusal((), f"{value!r}: write `dedup: drop`, `dedup: keep` or one mode, e.g. "
                              "`dedup: {exact: true}`")
            return {"marked": value}
        return value

    @model_validator(mode="after")
    def _one_way(self):
        if self.marked and self.mode:
            raise refusal(("marked",), f"give `dedup: {self.marked}` or a mode ({self.mode}), not both")
        return self

    @property
    def mode(self) -> str | None:
        """The first mode key set (the subset refuses more than one, naming them)."""
        return next((key for key in ("fuzzy", "exact", "url") if getattr(self, key)), None)

    def drops(self, marked: bool) -> bool:
        """Whether the subset drops duplicates, given whether its inputs carry `is_duplicate`."""
        return self.mode is not None or (marked and self.marked == "drop")


class Sample(Strict):
    fraction: float | None = Field(None, gt=0, le=1)
    max_docs: int | None = Field(None, gt=0)
    seed: int = 1
    by: str | None = Field(None, description="column whose values `weights` refers to, e.g. language or source")
    weights: dict[str, float] | None = None

    @field_validator("weights")
    @classmethod
    def _positive(cls, weights):
        if weights is not None and any(weight < 0 for weight in weights.values()):
            raise ValueError("weights must not be negative")
        return weights

    @model_validator(mode="after")
    def _together(self):
        if self.fraction is None and self.max_docs is None:
            raise refusal((), "give fraction, max_docs or both: without them the sample keeps everything")
        if self.weights is None:
            if self.by is not None:
                raise refusal(("by",), "by names the column that weights share max_docs out by: give weights too, "
                              "e.g. weights: {en: 3, de: 1}")
            return self
        if self.by is None:
            raise refusal(("weights",), "weights name values of a column: give `by` too, e.g. by: language")
        if self.max_docs is None:
            raise refusal(("weights",), "weights share out max_docs between the values of `by`: give max_docs too "
                          "(fraction alone keeps the same share of every value)")
        if not any(weight > 0 for weight in self.weights.values()):
            raise refusal(("weights",), "at least one weight must be above 0")
        return self


class Output(Strict):
    path: str
    shard_size: int = Field(500 * 10**6, description="bytes of Parquet per shard, e.g. 500MB")
    compression: Literal["zstd", "snappy", "gzip", "none"] = "zstd"
    columns: list[str] | None = Field(None, description="default: the document columns, without signals")
    config: str = Field("default", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # a folder under data/: no `..`

    @field_validator("shard_size", mode="before")
    @classmethod
    def _size(cls, value):
        size = parse_size(value)
        if size < MIN_SHARD_SIZE:
            raise ValueError(f"{value} is below the smallest shard size, 10KB ({MIN_SHARD_SIZE:,} bytes): a shard "
                             "smaller than that is mostly Parquet metadata, and the job runs one task per shard")
        return size

    @model_validator(mode="after")
    def _columns_once(self):
        columns = self.columns or []
        for index, name in enumerate(columns):
            if name in columns[:index]:
                raise refusal(("columns", index), f"{name!r} is given twice (first at index {columns.index(name)}); "
                              "a shard holds each column once")
        return self


class ListFile(Strict):
    list: str = Field(description="a file of values, one a line (# comments), local, http(s):// or s3://")


class Exclude(Strict):
    """Documents removed by name, before every other step: each entry a value, or `{list: LOCATION}`, a file of
    values (recipes/exclude.py); a domain covers its subdomains."""
    urls: list[str | ListFile] = Field(default_factory=list)
    domains: list[str | ListFile] = Field(default_factory=list)
    ids: list[str | ListFile] = Field(default_factory=list)

    @field_validator("urls", "domains", "ids", mode="before")
    @classmethod
    def _entries(cls, entries):
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            if isinstance(entry, dict) and list(entry) != ["list"]:
                other = next((str(key) for key in entry if key != "list"), "list")
                raise refusal((index, other), f"unknown key{closest(other, ['list'])}: an entry is a value or "
                              "{list: LOCATION}, a file of values")
            if not isinstance(entry, str | dict):
                raise refusal((index,), f"{entry!r}: an entry is a value (text; quote a number) or {{list: "
                              "LOCATION}, a file of values")
        return entries

    @model_validator(mode="after")
    def _values(self):
        for kind in ("urls", "domains", "ids"):
            for index, entry in enumerate(getattr(self, kind)):
                if isinstance(entry, str):
                    try:
                        normal_value(kind, entry)
                    except ListError as exc:
                        raise refusal((kind, index), str(exc)) from None
        return self


# Front-matter keys that pipeline/stages/subset/card.py writes itself, and why a recipe's value may not replace them.
GENERATED_CARD_KEYS = {
    "configs": "it lists the shards, data/{config}/train-*.parquet, for datasets.load_dataset",
    "data_files": "the shards are listed under configs, which curate subset writes for datasets.load_dataset",
    "size_categories": "it is computed from the number of documents kept",
}
# The Hub's dataset card metadata keys (huggingface.co/docs/hub/datasets-cards; huggingface_hub's DatasetCardData).
HUB_CARD_KEYS = ("language", "license", "license_name", "license_link", "license_details", "tags",
                 "annotations_creators", "language_creators", "language_details", "multilinguality", "pretty_name",
                 "size_categories", "source_datasets", "task_categories", "task_ids", "paperswithcode_id",
                 "train-eval-index", "configs", "dataset_info", "viewer", "data_files")
# A key this similar (difflib's ratio) to a Hub key, but not equal, is taken for a misspelling of it: a letter or
# so off (licence, languages, tag); a difference of case only (License) is one too (filters.suggest.closest).
NEAR_MISS = 0.8


# What the Hub's `language` key takes: "an ISO 639-1, 639-2 or 639-3 code (two/three letters)" (huggingface_hub's
# DatasetCardData); a BCP-47 tag such as fr-FR belongs under `language_details` (hub-docs, datasetcard.md).
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


class Card(BaseModel):
    """Dataset card fields; any other key goes into the card's front matter as given (the Hub keeps extra
    metadata), unless curate writes it itself or it is a near miss of a Hub key."""
    model_config = ConfigDict(extra="allow")
    license: str | None = None
    pretty_name: str | None = None
    language: list[str] | None = None

    @field_validator("language")
    @classmethod
    def _codes(cls, languages):
        for index, code in enumerate(languages or []):
            if not LANGUAGE_CODE.fullmatch(code):
                raise refusal((index,), f"{code!r} is not a language code as the Hub's `language` takes them: "
                              "ISO 639, two or three lower-case letters (en, de, nds); a BCP-47 tag such as "
                              "fr-FR goes under language_details")
        return languages

    @model_validator(mode="after")
    def _extra_keys(self):
        for key in self.model_extra or {}:
            if key in GENERATED_CARD_KEYS:
                raise refusal((key,), f"curate subset writes {key} itself: {GENERATED_CARD_KEYS[key]}; remove it")
            near = closest(str(key), HUB_CARD_KEYS, NEAR_MISS)
            if key not in HUB_CARD_KEYS and near:
                raise refusal((key,), f"not a dataset card key{near}; the Hub's keys are spelt as in its docs "
                              "(license, language, tags, ...), and a key far from all of them is kept as given")
        return self


DEFAULT_REDACTION = Redaction()


class RedactPii(Strict):
    """Personal data replaced in the kept documents' text before the shards are written (filters/pii.py); the
    kinds left out are not looked for."""
    emails: bool = False
    ips: bool = Field(False, description="public IPv4 and IPv6 addresses only, as FineWeb did")
    phones: bool = Field(False, description="found by the phonenumbers library, the document's language as hint")
    email_replacement: str = DEFAULT_REDACTION.email_replacement
    ipv4_replacement: str = DEFAULT_REDACTION.ipv4_replacement
    ipv6_replacement: str = DEFAULT_REDACTION.ipv6_replacement
    phone_replacement: str = DEFAULT_REDACTION.phone_replacement

    @model_validator(mode="after")
    def _sound(self):
        if not any(getattr(self, kind) for kind in KINDS):
            raise refusal((), f"nothing to redact: set at least one of {', '.join(KINDS)} to true")
        for name in ("email_replacement", "ipv4_replacement", "ipv6_replacement", "phone_replacement"):
            kind = found_kind(getattr(self, name))
            if kind:
                raise refusal((name,), f"{getattr(self, name)!r} would itself be redacted (as {kind}): redacted "
                              "text redacted again must not change; use a reserved value: an address at "
                              "example.com, of 192.0.2.0/24 or of 2001:db8::/32, a number no region reads as valid")
        return self

    def redaction(self) -> Redaction:
        return Redaction(**self.model_dump())


class Transforms(Strict):
    """Changes to the text of the kept documents, made as the shards are written."""
    redact_pii: RedactPii | None = None


# The names under which the books (_stats.json, the card's rule table) count the built-in steps, beside the filters
# (pipeline/stages/subset/decisions.py, rule_order); the line filters are counted together, under `line_filters`.
BUILT_IN_STEPS = ("dedup", "line_filters", "sample")
EXCLUDE_STEP = "exclude."  # the books' names of the exclusion lists: exclude.urls, exclude.urls:LOCATION, ...


class Recipe(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    inputs: list[Input] = Field(min_length=1)
    filters: dict[str, str] = Field(default_factory=dict)
    line_filters: dict[str, str] = Field(default_factory=dict)
    dedup: Dedup = Field(default_factory=Dedup)
    exclude: Exclude = Field(default_factory=Exclude)
    sample: Sample | None = None
    transforms: Transforms = Field(default_factory=Transforms)
    output: Output
    card: Card = Field(default_factory=Card)

    @field_validator("filters", "line_filters", mode="before")
    @classmethod
    def _empty_mapping(cls, value):
        return {} if value is None else value

    @model_validator(mode="after")
    def _rule_names(self):
        for section in ("filters", "line_filters"):
            for name in getattr(self, section):
                if not name.strip():
                    raise refusal((section, name), "a rule needs a name: the books count the documents it removes "
                                  "under it")
                if any(unicodedata.category(char) == "Cc" for char in name):
                    raise refusal((section, name), "a rule's name is printed in the books, the card and the "
                                  "report: no control characters")
        for name in self.filters:
            if name.startswith(EXCLUDE_STEP):
                raise refusal(("filters", name), f"the books count the documents the exclusion lists remove under "
                              f"names that start with {EXCLUDE_STEP!r}; choose another name")
            if name in BUILT_IN_STEPS:
                raise refusal(("filters", name), f"{name!r} is the name the books give the built-in step "
                              f"{name}, whose counts it would merge with; choose another name (not "
                              f"{', '.join(BUILT_IN_STEPS)})")
        return self
