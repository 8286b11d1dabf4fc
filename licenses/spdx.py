"""The licences a document can carry, as SPDX ids (spdx.org/licenses), each with its tier.

The tiers follow the Open License Corpus (Min et al. 2023, "SILO Language Models", arXiv 2308.04430:
public domain, permissively licensed software, attribution), with share-alike split from attribution and the
licences that are not open (NonCommercial, NoDerivatives) named for what stops them. `unknown` is every document
without a licence, and every licence not in the table."""

import re

TIERS = ("public_domain", "permissive", "attribution", "share_alike", "non_commercial", "no_derivatives", "unknown")

# Not every public-domain statement has an SPDX id: a volume whose rights say "public domain" gets this one
# (SPDX's LicenseRef- form is for licences outside the list).
PUBLIC_DOMAIN = "LicenseRef-Public-Domain"

_CC_VERSIONS = ("1.0", "2.0", "2.5", "3.0", "4.0")
_CC_KINDS = {"BY": "attribution", "BY-SA": "share_alike", "BY-NC": "non_commercial", "BY-NC-SA": "non_commercial",
             "BY-NC-ND": "non_commercial", "BY-ND": "no_derivatives"}

LICENSES: dict[str, str] = {
    "CC0-1.0": "public_domain",
    "CC-PDM-1.0": "public_domain",  # the Public Domain Mark (SPDX license list 3.24)
    "CC-PDDC": "public_domain",
    "PDDL-1.0": "public_domain",
    "Unlicense": "public_domain",
    PUBLIC_DOMAIN: "public_domain",
    "MIT": "permissive",
    "Apache-2.0": "permissive",
    "BSD-2-Clause": "permissive",
    "BSD-3-Clause": "permissive",
    "ISC": "permissive",
    "Zlib": "permissive",
    "ODC-By-1.0": "attribution",
    "ODbL-1.0": "share_alike",
    "GFDL-1.3-or-later": "share_alike",
    **{f"CC-{kind}-{version}": tier for kind, tier in _CC_KINDS.items() for version in _CC_VERSIONS},
}

_BY_KEY = {re.sub(r"[^a-z0-9.]", "", name.lower()): name for name in LICENSES}
_ALIASES = {
    "publicdomain": PUBLIC_DOMAIN, "pd": PUBLIC_DOMAIN, "publicdomainmark": "CC-PDM-1.0", "pdm": "CC-PDM-1.0",
    "cc0": "CC0-1.0", "mitlicense": "MIT", "apache2": "Apache-2.0", "apache2.0": "Apache-2.0",
    "apachelicense2.0": "Apache-2.0", "odcby": "ODC-By-1.0", "odbl": "ODbL-1.0",
}


# The words of Creative Commons' licence names ("Creative Commons Attribution-NonCommercial-ShareAlike 4.0
# International") as the short elements of their SPDX ids; "NoDerivs" is the 1.0-3.0 spelling.
_CC_WORDS = (("attribution", "by"), ("noncommercial", "nc"), ("noderivatives", "nd"), ("noderivs", "nd"),
             ("sharealike", "sa"))
_CC_SUFFIXES = re.compile(r"(international|unported|generic|universal)?(public)?(licen[cs]e)?$")
# creativecommons.org/licenses/by-sa/4.0/ (deed.en, legalcode, a port such as /3.0/de/ may follow),
# /publicdomain/zero/1.0/, /publicdomain/mark/1.0/ (creativecommons.org/about/cclicenses/)
_CC_DEED = re.compile(
    r"^(?:https?:)?//(?:www\.)?creativecommons\.org/(licenses|publicdomain)/([a-z-]+)/(\d\.\d)(?:/|$)", re.IGNORECASE)
_PUBLIC_DOMAIN_TOOLS = {"zero": "CC0", "mark": "CC-PDM"}
# 1.0 had the elements in another order: creativecommons.org/licenses/by-nd-nc/1.0/ is SPDX's CC-BY-NC-ND-1.0
_CC_ORDER = {"by-nd-nc": "by-nc-nd"}
_OSI = re.compile(r"^(?:https?:)?//(?:www\.)?opensource\.org/licenses?/([a-z0-9.-]+?)(?:\.php|\.html)?/?$",
                  re.IGNORECASE)


def spdx_id(name: str | None) -> str | None:
    """The SPDX id of a licence as sources write it ("CC BY-SA 4.0", "cc-by-sa-4.0", "cc_by_sa_4_0", "MIT License",
    "public domain", "Creative Commons Attribution-ShareAlike 4.0 International"): case, spaces, dashes and
    underscores do not matter; None when it is not in the table."""
    if name is None:
        return None
    # a version written with an underscore (dolma's `cc_by_sa_3_0`) is the version with a dot
    key = re.sub(r"[^a-z0-9.]", "", re.sub(r"(?<=\d)_(?=\d)", ".", name.lower()))
    if key.startswith("creativecommons"):
        key = "cc" + key.removeprefix("creativecommons")
        for word, element in _CC_WORDS:
            key = key.replace(word, element)
    if key.startswith("cc"):
        key = _CC_SUFFIXES.sub("", key)
    return _BY_KEY.get(key) or _ALIASES.get(key)


def deed_id(url: str) -> str | None:
    """The SPDX id of a licence's URL: a Creative Commons deed or legal code (a port, /by-sa/3.0/de/, counts as
    its version's international licence: same elements, same tier), or an opensource.org licence page."""
    url = url.strip()
    if match := _CC_DEED.match(url):
        family, kind, version = match.group(1).lower(), match.group(2).lower(), match.group(3)
        if family == "publicdomain":
            found = f"{_PUBLIC_DOMAIN_TOOLS[kind]}-{version}" if kind in _PUBLIC_DOMAIN_TOOLS else None
        else:
            found = f"CC-{_CC_ORDER.get(kind, kind).upper()}-{version}"
        return found if found in LICENSES else None
    if match := _OSI.match(url):
        return spdx_id(match.group(1))
    return None


def tier(license: str | None) -> str:
    """The tier of an SPDX id from this table; `unknown` for None and for ids outside it."""
    return LICENSES.get(license, "unknown") if license is not None else "unknown"
