"""Exclusion lists of a recipe (`exclude: {urls, domains, ids}`): the values of a list file, each checked.

A list file holds one value a line; blank lines and lines that start with `#` are skipped. Reading the files
(local, HTTP, S3) is the subset's (pipeline/stages/subset/plan.py); here is what their text says."""

import hashlib
import re
from urllib.parse import urlsplit

KINDS = ("urls", "domains", "ids")
# A host name's labels (RFC 1123), with the underscores real hosts carry; an internationalised name is taken in
# its ASCII (punycode) form, as URLs in a crawl write it.
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


class ListError(ValueError):
    """A value that is not one of its kind."""


def normal_value(kind: str, value: str) -> str:
    """The value as the subset compares it: a domain in lower case without a trailing dot; URLs and ids as
    written (a URL names exactly one document's `url`)."""
    value = value.strip()
    if not value:
        raise ListError("an empty value")
    if kind == "domains":
        domain = value.lower().rstrip(".")
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            pass  # refused below, by the pattern
        if not _DOMAIN.fullmatch(domain):
            raise ListError(f"{value!r} is not a domain name (such as example.org; it covers its subdomains; "
                            "write no scheme, path or *)")
        return domain
    if any(char.isspace() for char in value):
        raise ListError(f"{value!r}: {'a URL' if kind == 'urls' else 'an id'} has no spaces")
    if kind == "urls" and not (urlsplit(value).scheme and urlsplit(value).netloc):
        raise ListError(f"{value!r} is not an absolute URL (such as https://example.org/page)")
    return value


def list_values(kind: str, text: str, source: str) -> list[str]:
    """The values of a list file's text, in order, each once; ListError names `source` and the line of a bad
    one (`source:line: message`)."""
    values: dict[str, None] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            values[normal_value(kind, line)] = None
        except ListError as exc:
            raise ListError(f"{source}:{number}: {exc}") from None
    return list(values)


def version(data: bytes) -> str:
    """A list's version as the card gives it: the SHA-256 of its bytes."""
    return hashlib.sha256(data).hexdigest()
