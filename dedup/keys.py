"""Exact-dedup keys: the normalised text's hash, the WARC digest and the normalised URL, as pure functions."""

import hashlib
import re
import string
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from signals.text import normalize

DEFAULT_PORTS = {"http": 80, "https": 443}
# Query parameters that only track the visitor; the page is the same without them.
TRACKING_PARAMETERS = re.compile(r"^(utm_[a-z]+|fbclid|gclid|msclkid|mc_cid|mc_eid)$", re.IGNORECASE)
# RFC 3986 §2.3 and §6.2.2.2: unreserved characters are the same as their percent-encoding; other escapes keep
# their meaning (%2F is not /) and only their hex digits are upper-cased.
_UNRESERVED = set(string.ascii_letters + string.digits + "-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_KEEP = "/!$&'()*+,;=:@%"


def text_key(text: str | None) -> bytes | None:
    """SHA-1 of the RedPajama-V2 normalised text: copies differing only in case, ASCII punctuation or spacing match.
    None for no text, or one that normalises to nothing (white space, punctuation): nobody's duplicate."""
    normalized = normalize(text or "")
    return hashlib.sha1(normalized.encode("utf-8")).digest() if normalized else None


def digest_key(digest: str | None) -> str | None:
    """A WARC digest without its `sha1:` prefix, as RedPajama-V2's exact dedup keys documents (RedPajama-Data
    app/src/bloomfilter.py)."""
    value = (digest or "").strip()
    if not value:
        return None
    return value[5:] if value.lower().startswith("sha1:") else value


def _escapes(text: str) -> str:
    def normal(match: re.Match) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else f"%{match.group(1).upper()}"

    return quote(_ESCAPE.sub(normal, text), safe=_KEEP)  # spaces and non-ASCII characters as UTF-8 escapes


def url_key(url: str | None) -> str | None:
    """The URL as the same page is reached from every crawl (the rules: docs/dedup.md); None for no URL."""
    url = (url or "").strip()
    if not url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme, host = parts.scheme.lower(), (parts.hostname or "").rstrip(".")
    if not host:
        return url
    host = host.removeprefix("www.")
    if port is not None and port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    query = sorted((key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
                   if not TRACKING_PARAMETERS.match(key))
    # http and https serve the same page on the web at large: the scheme is left out of the key
    prefix = "" if scheme in DEFAULT_PORTS else f"{scheme}://"
    return f"{prefix}{host}{_escapes(parts.path) or '/'}" + (f"?{urlencode(query)}" if query else "")
