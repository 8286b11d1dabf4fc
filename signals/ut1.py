"""The UT1 blacklist signal: the id of the combination of UT1 categories of the document's domain.

Source: RedPajama-Data app/src/core/quality_signals/content.py, `RPS_Doc_UT1_Blacklist` (6d2cee9)."""

from signals.artifacts import Artifacts
from signals.document import Document, Spans


def ut1_blacklist(doc: Document, artifacts: Artifacts) -> Spans:
    """Exact match of the URL's netloc (no parent-domain or `www.` fallback); None when not listed."""
    if doc.domain is None:  # checked first: without URLs a missing table is no loss
        return doc.whole(None)
    table = artifacts.domain_categories()
    if table is None:
        return doc.whole(None)
    return doc.whole(table.get(doc.domain))
