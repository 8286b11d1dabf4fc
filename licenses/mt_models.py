"""The licences of known machine-translation models' weights, found by the model's name: the Hub id
(`facebook/nllb-200-distilled-600M`) or a converted copy's folder that keeps it (`nllb-200-distilled-600M-ct2-int8`).

A translation is made with the model's weights, and a model's licence may restrict what its output can be used for:
`curate translate` records it per document (`mt_model_license`), and a subset card of translated documents names
it and warns when it is NonCommercial or NoDerivatives."""

import re

from licenses.spdx import tier

# (name pattern, SPDX id, where the licence is stated); the first pattern that matches wins
MODEL_LICENSES: tuple[tuple[re.Pattern, str, str], ...] = (
    # every NLLB-200 checkpoint (600M and 1.3B distilled, 1.3B, 3.3B) carries the same licence on its card
    (re.compile(r"nllb-?200", re.I), "CC-BY-NC-4.0", "https://huggingface.co/facebook/nllb-200-distilled-600M"),
    (re.compile(r"m2m-?100", re.I), "MIT", "https://huggingface.co/facebook/m2m100_418M"),
    (re.compile(r"opus-mt|helsinki-nlp", re.I), "CC-BY-4.0", "https://huggingface.co/Helsinki-NLP/opus-mt-en-de"),
    (re.compile(r"mistral-7b-instruct", re.I), "Apache-2.0",
     "https://huggingface.co/mistralai/Mistral-7B-Instruct-v0.2"),
)
RESTRICTIVE_TIERS = ("non_commercial", "no_derivatives")


def model_license(model: str | None) -> str | None:
    """The SPDX id of a known model's licence, by its name; None for an unknown model (or none)."""
    if not model:
        return None
    return next((spdx for pattern, spdx, _ in MODEL_LICENSES if pattern.search(model)), None)


def restricts_use(license: str | None) -> bool:
    """Whether a licence restricts what may be done with the model's output: NonCommercial or NoDerivatives."""
    return tier(license) in RESTRICTIVE_TIERS
