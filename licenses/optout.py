"""Machine-readable opt-outs of text and data mining that a web page or its site states.

The TDM Reservation Protocol (W3C TDMRep Final Community Group Report, 10 May 2024,
https://www.w3.org/community/reports/tdmrep/CG-FINAL-tdmrep-20240510/): `tdm-reservation` (1 reserved, 0 not;
any other value is a protocol error and counts as unset) with an optional `tdm-policy` URL, stated three ways
whose later ones supersede the earlier (its "Processing priority"): the site's `/.well-known/tdmrep.json`, the
response's HTTP header fields, the page's `<meta name="tdm-reservation">`. Beside it the `noai` and `noimageai`
values of `<meta name="robots">` and of `X-Robots-Tag` header fields (introduced by DeviantArt, November 2022:
https://www.deviantart.com/team/journal/UPDATE-All-Deviations-Are-Opted-Out-of-AI-Datasets-934500371):
`noai` reserves the page, text included; `noimageai` alone is about the page's images, which curate does not
keep, so it reserves no text."""

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

WELL_KNOWN = "/.well-known/tdmrep.json"
TDM_VALUES = {"0": False, "1": True}
# Meta tags belong in the head; a page without a <body> tag is read this far at most.
HEAD_LIMIT = 1 << 16
_BODY = re.compile(r"<body[\s>/]", re.IGNORECASE)
_META = re.compile(r"<meta\s[^>]*>", re.IGNORECASE)
_HINTS = ("tdm-reservation", "tdm-policy", "noai", "noimageai")


@dataclass(frozen=True)
class Optout:
    reserved: bool
    evidence: str = ""  # the signals found, `; `-separated (`meta robots: noai`); empty when none


@dataclass(frozen=True)
class SiteRule:
    """One rule of a tdmrep.json: a path pattern and the reservation (None: unset) and policy it gives."""

    location: str
    reserved: bool | None
    policy: str | None = None

    def matches(self, path: str) -> bool:
        """robots.txt matching (TDMRep's "Use of regular expressions"): a prefix, `*` any run of characters, a
        final `$` the end of the path."""
        anchored = self.location.endswith("$")
        pattern = ".*".join(re.escape(part) for part in self.location.removesuffix("$").split("*"))
        return re.match(pattern + ("$" if anchored else ""), path) is not None


class TdmrepError(ValueError):
    """A tdmrep.json that is not an array of rules."""


def site_rules(payload: bytes) -> list[SiteRule]:
    """The rules of a tdmrep.json, in their order (the first that matches a path is the one that applies)."""
    try:
        data = json.loads(payload.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TdmrepError(f"not JSON: {exc}") from None
    if not isinstance(data, list):
        raise TdmrepError("not a JSON array of rules")
    rules = []
    for index, item in enumerate(data):
        if not isinstance(item, dict) or not isinstance(item.get("location"), str):
            raise TdmrepError(f"rule {index}: not an object with a `location` string")
        value = item.get("tdm-reservation")
        policy = item.get("tdm-policy")
        rules.append(SiteRule(item["location"], TDM_VALUES.get(str(value).strip()) if value is not None else None,
                              policy if isinstance(policy, str) else None))
    return rules


def site_of(url: str | None) -> str | None:
    """The host a tdmrep.json speaks for (lower case, with a port other than the scheme's default)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    try:
        port = parts.port
    except ValueError:
        return None
    return (host if port in (None, default) else f"{host}:{port}") or None


def is_well_known(url: str | None) -> bool:
    return bool(url) and urlsplit(url.strip()).path == WELL_KNOWN


def page_optout(url: str | None, fields: list[tuple[str, str]], html: str,
                sites: dict[str, list[SiteRule]] | None = None) -> Optout:
    """The opt-out of one page: its site's tdmrep.json rules (`sites`, host -> rules), its HTTP header fields
    (name, value; repeated fields each count) and the meta tags of its HTML head."""
    found, reserved = [], None
    rule = _site_rule(url, sites or {})
    if rule is not None and rule.reserved is not None:
        reserved = rule.reserved
        found.append(_said(f"tdmrep.json {rule.location}", int(rule.reserved), rule.policy))
    header_tdm, header_policy, robots = None, None, []
    for name, value in fields:
        name = name.strip().lower()
        if name == "tdm-reservation" and value.strip() in TDM_VALUES:
            header_tdm = value.strip()
        elif name == "tdm-policy":
            header_policy = value.strip()
        elif name == "x-robots-tag":
            robots += [("header x-robots-tag", word) for word in _robots_words(value)]
    if header_tdm is not None:
        reserved = TDM_VALUES[header_tdm]
        found.append(_said("header tdm-reservation", header_tdm, header_policy))
    meta = _head_meta(html)
    if meta.get("tdm-reservation", "").strip() in TDM_VALUES:
        value = meta["tdm-reservation"].strip()
        reserved = TDM_VALUES[value]
        found.append(_said("meta tdm-reservation", value, meta.get("tdm-policy")))
    robots += [("meta robots", word) for word in _robots_words(meta.get("robots", ""))]
    for where, word in robots:
        found.append(f"{where}: {word}")
    noai = any(word == "noai" for _, word in robots)
    return Optout(bool(reserved) or noai, "; ".join(found))


def _said(where: str, value, policy: str | None) -> str:
    return f"{where}: {value}" + (f" (tdm-policy {policy})" if policy else "")


def _site_rule(url: str | None, sites: dict[str, list[SiteRule]]) -> SiteRule | None:
    rules = sites.get(site_of(url) or "")
    if not rules:
        return None
    parts = urlsplit(url.strip())
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return next((rule for rule in rules if rule.matches(path)), None)


def _robots_words(value: str) -> list[str]:
    """The `noai` and `noimageai` directives of a robots value: comma-separated, each perhaps addressed to one
    crawler (`otherbot: noai`), which is honoured too (the documents are for training, whichever crawler fetched
    them)."""
    words = []
    for part in value.split(","):
        word = part.rsplit(":", 1)[-1].strip().lower()
        if word in ("noai", "noimageai"):
            words.append(word)
    return words


def _head_meta(html: str) -> dict[str, str]:
    """name -> content of the head's meta tags that concern opt-outs (the last of a name); a tag inside a comment
    or a script is none."""
    body = _BODY.search(html, 0, HEAD_LIMIT)
    head = html[:body.start() if body else HEAD_LIMIT]
    tags = " ".join(_META.findall(head)).lower()  # the meta tags alone: lowering a whole head costs more
    if not any(hint in tags for hint in _HINTS):
        return {}  # nearly every page has no such tag: nothing to parse
    parser = _MetaParser()
    parser.feed(head)
    return parser.meta


class _MetaParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta":
            return
        values = {key.lower(): value or "" for key, value in attrs}
        name = values.get("name", "").strip().lower()
        if name in ("tdm-reservation", "tdm-policy"):
            self.meta[name] = values.get("content", "")
        elif name == "robots":  # several robots tags add up
            self.meta["robots"] = ", ".join(filter(None, (self.meta.get("robots"), values.get("content", ""))))

    handle_startendtag = handle_starttag
