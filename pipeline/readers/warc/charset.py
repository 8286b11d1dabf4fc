"""Turning HTML bytes into text: charset from the HTTP header, then the meta tag, then detection."""

from resiliparse.parse.encoding import bytes_to_str, detect_encoding, map_encoding_to_html5


def decode_html(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode `data` and return (text, encoding used); invalid bytes become U+FFFD, never an exception.

    Bytes that are valid UTF-8 beyond ASCII are read as UTF-8 unless the HTTP header declares another charset
    than windows-1252 (what `iso-8859-1` and `us-ascii` mean): text in a single-byte Latin charset almost never
    forms valid UTF-8 by chance, while UTF-8 pages labelled iso-8859-1 are common (and windows-1252 would decode
    them cleanly, into mojibake); a few words of GBK, EUC-KR or TIS-620 can (a page declaring those in a `<meta>`
    tag alone is read as UTF-8 too when all its non-ASCII bytes form UTF-8: one with no more than a few words of
    such text). Otherwise a declared charset is trusted only if the bytes decode cleanly with it: mislabelled pages
    fall through to the meta tag and to detection. A UTF-8 byte order mark is not text.
    """
    encoding = map_encoding_to_html5(declared) if declared else None
    if not data.isascii() and encoding in (None, "utf-8", "cp1252"):  # resiliparse names windows-1252 cp1252
        try:
            return data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            pass
    if encoding:
        try:
            return data.decode(_python_codec(encoding)), encoding
        except (UnicodeDecodeError, LookupError):
            pass
    encoding = detect_encoding(data, from_html_meta=True) or "utf-8"
    try:
        return bytes_to_str(data, _python_codec(encoding), errors="replace"), encoding
    except LookupError:
        return data.decode("utf-8", errors="replace"), "utf-8"


def _python_codec(whatwg_name: str) -> str:
    # WHATWG labels that Python's codec registry spells differently.
    return {"windows-874": "cp874", "x-mac-cyrillic": "mac-cyrillic"}.get(whatwg_name, whatwg_name)
