"""Personal data in a text found and replaced: e-mail addresses, public IP addresses, phone numbers (the recipe
transform `redact_pii`, docs/recipes.md).

As FineWeb did (datatrove's PIIFormatter, src/datatrove/pipeline/formatters/pii.py at commit a649de79c14a of
github.com/huggingface/datatrove): e-mail addresses and only the public IP addresses (`ipaddress`'s is_global)
are replaced; unlike it, IPv6 is covered, an address must stand alone (`1.2.3.4.5` is no address), and the default
replacements are reserved names and ranges, so that redacted text redacted again changes nothing."""

import ipaddress
import re
from dataclasses import dataclass
from functools import cache

import phonenumbers
from babel.core import get_global

KINDS = ("emails", "ips", "phones")

# RFC 5322's atext, as in datatrove's pattern; the domain needs a dot and a top-level label of letters, which
# leaves `user@localhost`, `@handles` and `pkg@1.2.3` alone.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
EMAIL = re.compile(rf"(?<![\w.@]|{_ATEXT}){_ATEXT}+(?:\.{_ATEXT}+)*"
                   r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})(?![\w-])")
# Domains reserved for examples and tests (RFC 2606, RFC 6761, RFC 6762): nobody's address, kept.
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_TLDS = ("example", "test", "invalid", "localhost", "local")
# Candidates only, checked by `ipaddress`: a run of digits and dots, or of hex digits and colons, that is not part
# of a longer run (a version 1.2.3.4.5, a word), a final full stop left out.
IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?!\w|\.\w)")
IPV6 = re.compile(r"(?<![\w:.])(?=[0-9A-Fa-f]*:[0-9A-Fa-f]*:)[0-9A-Fa-f:]+(?:\d{1,3}(?:\.\d{1,3}){3})?(?![\w:]|\.\w)")
# IANA's IPv6 address space registry: global unicast addresses are 2000::/3; outside it, `a::b` is seldom an address
GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
# Before or after a phone number found, what makes it part of a word, an address or a version, not a number
# (after it, a full stop ending a sentence is not).
GLUE = re.compile(r"[\w.:@]")
GLUE_AFTER = re.compile(r"[\w:@]|\.\w")
# What a text must hold for each kind to be there, a cheap test before the patterns run: an @, a dotted quad's
# middle or two colons after a hex digit, three digits (no region's valid numbers are shorter).
HINTS = {"emails": r"@", "ips": r"\d\.\d{1,3}\.\d|[0-9A-Fa-f]:[0-9A-Fa-f:]*:", "phones": r"\d\D*\d\D*\d"}


@dataclass(frozen=True)
class Redaction:
    """What to replace, and by what: the defaults are the documentation ranges (RFC 5737, RFC 3849) and an
    example.com address (RFC 2606), and a NANP number reserved for fiction without an area code, which no region
    reads as a valid number."""
    emails: bool = False
    ips: bool = False
    phones: bool = False
    email_replacement: str = "email@example.com"
    ipv4_replacement: str = "192.0.2.1"
    ipv6_replacement: str = "2001:db8::1"
    phone_replacement: str = "+1 555 0100"

    def kinds(self) -> tuple[str, ...]:
        return tuple(kind for kind in KINDS if getattr(self, kind))

    def hint(self) -> str:
        """A regular expression every text with something to replace matches (for a vectorised prefilter)."""
        return "|".join(HINTS[kind] for kind in self.kinds())


def personal_email(match: re.Match) -> bool:
    domain = match.group(1).lower()
    return domain.rsplit(".", 1)[-1] not in RESERVED_TLDS and not any(
        domain == name or domain.endswith("." + name) for name in RESERVED_DOMAINS)


def public_ip(text: str) -> bool:
    """Whether `text` is an IPv4 or IPv6 address that reaches the Internet (not private, loopback, link-local,
    documentation, ...)."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    return address.is_global and (address.version == 4 or address in GLOBAL_UNICAST)


@cache
def phone_region(language: str | None) -> str | None:
    """The region whose numbering plan reads a phone number without a country code, from a document's language:
    the region Unicode CLDR's likely subtags give it (de -> DE, en -> US, pt -> BR); None for an unknown language,
    when only numbers written with +country code are found."""
    if not language:
        return None
    likely = get_global("likely_subtags").get(re.split(r"[-_]", language)[0].lower())
    parts = likely.split("_") if likely else []
    return parts[-1] if len(parts) > 1 and parts[-1].isalpha() and parts[-1].isupper() else None


def _address_spans(text: str, redaction: Redaction) -> list[tuple[int, int, str, str]]:
    """(start, end, kind, replacement) of the e-mail and IP addresses to replace, in order, none overlapping.

    Of overlapping candidates, kept or not, the first (the longest of those starting together) wins: so the
    replacements, being candidates of their kind too, win again in redacted text."""
    found = []
    if redaction.emails and "@" in text:  # `in` is a fraction of the cost of a pattern that finds nothing
        found += [(*match.span(), personal_email(match), "emails", redaction.email_replacement)
                  for match in EMAIL.finditer(text)]
    if redaction.ips:
        for pattern, mark, replacement in ((IPV4, ".", redaction.ipv4_replacement),
                                           (IPV6, ":", redaction.ipv6_replacement)):
            found += [(*match.span(), public_ip(match.group()), "ips", replacement)
                      for match in (pattern.finditer(text) if mark in text else ())]
    spans, end = [], 0
    for start, stop, personal, kind, replacement in sorted(found, key=lambda span: (span[0], -span[1])):
        if start >= end:
            end = stop
            if personal:
                spans.append((start, stop, kind, replacement))
    return spans


def _masked(text: str) -> str:
    """The text with every e-mail address and anything that looks like an IP address, kept or replaced, turned
    into underscores, which no phone number crosses: their digits are not read as one."""
    for pattern in (EMAIL, IPV4, IPV6):
        text = pattern.sub(lambda match: "_" * len(match.group()), text)
    return text


def _glued(text: str, match: phonenumbers.PhoneNumberMatch) -> bool:
    """Whether a number found is part of a longer token (`2606:4700::18.8.8.8000`): its digits are no number."""
    return bool(match.start and GLUE.match(text[match.start - 1]) or GLUE_AFTER.match(text, match.end))


def _replaced(text: str, spans: list[tuple[int, int, str, str]], counts: dict[str, int]) -> str:
    pieces, end = [], 0
    for start, stop, kind, replacement in spans:
        pieces += [text[end:start], replacement]
        counts[kind] += 1
        end = stop
    return "".join(pieces) + text[end:] if pieces else text


def _redact(text: str, redaction: Redaction, region: str | None) -> tuple[str, dict[str, int]]:
    counts = dict.fromkeys(redaction.kinds(), 0)
    text = _replaced(text, _address_spans(text, redaction), counts)
    if redaction.phones:  # in the text the addresses were replaced in, so that a second pass reads the same
        masked = _masked(text)
        found = [(match.start, match.end, "phones", redaction.phone_replacement)
                 for match in phonenumbers.PhoneNumberMatcher(masked, region) if not _glued(masked, match)]
        text = _replaced(text, found, counts)
    return text, counts


def redact(text: str, redaction: Redaction, language: str | None = None) -> tuple[str, dict[str, int]]:
    """The text with the personal data `redaction` names replaced, and the replacements made of each kind."""
    return _redact(text, redaction, phone_region(language))


def found_kind(text: str) -> str | None:
    """The first kind of personal data found in `text` whatever the document's language, or None (a replacement
    must have none: redacted text redacted again must not change)."""
    every = Redaction(**dict.fromkeys(KINDS, True))
    for region in (None, *sorted(phonenumbers.SUPPORTED_REGIONS)):
        counts = _redact(text, every, region)[1]
        kind = next((kind for kind in KINDS if counts[kind]), None)
        if kind:
            return kind
    return None
