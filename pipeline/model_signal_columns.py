"""The signals that need model artifacts (UT1 table, fastText classifiers, DSIR counts) as typed columns:
`rps_doc_ut1_blacklist` int64, the others float64, null where the reference gives None."""

import pyarrow as pa

from signals.artifacts import Artifacts
from signals.document import Document
from signals.registry import WITH_MODELS

MODEL_SIGNAL_FIELDS = [pa.field(name, pa.int64() if name == "rps_doc_ut1_blacklist" else pa.float64())
                       for name in WITH_MODELS]


def model_signal_columns(texts: list[str | None], languages: list[str | None], urls: list[str | None],
                         artifacts: Artifacts) -> dict[str, list]:
    """Column name -> values for a batch of documents (a null text is scored as the empty text)."""
    columns: dict[str, list] = {name: [] for name in WITH_MODELS}
    for text, language, url in zip(texts, languages, urls, strict=True):
        document = Document(text or "", language, url=url)
        for name, signal in WITH_MODELS.items():
            columns[name].append(signal(document, artifacts)[0][2])
    return columns
