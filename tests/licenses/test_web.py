"""The licence a page declares, on generated pages whose planted markers say what to expect."""

import gzip

import pytest
from resiliparse.parse.html import HTMLTree

from licenses.spdx import tier
from licenses.web import page_license
from pipeline.readers.warc.charset import decode_html
from tests.helpers.license_pages import LICENCES, NEGATIVES, POSITIVES, pages

PAGES = pages(700, seed=17)


def _declared(page):
    return page_license(HTMLTree.parse(page.html), page.link_header)


def test_the_generated_pages_cover_every_kind_of_marker_and_every_licence():
    planted = [declaration for page in PAGES for declaration in page.declarations]
    assert {kind for kind, _, _ in planted} == set(POSITIVES)
    assert {spdx for _, spdx, _ in planted} == {licence.spdx for licence in LICENCES}
    assert {decoy for page in PAGES for decoy in page.decoys} == set(NEGATIVES)
    assert {tier(licence.spdx) for licence in LICENCES} == {"public_domain", "attribution", "share_alike",
                                                            "non_commercial", "no_derivatives"}


@pytest.mark.parametrize("page", [page for page in PAGES if page.license], ids=lambda page: page.declarations[0][0])
def test_a_declared_licence_is_found_with_its_evidence(page):
    found = _declared(page)
    assert found is not None and found.license == page.license, page.describe()
    assert all(evidence in found.evidence for _, _, evidence in page.declarations), (found, page.describe())


def test_pages_with_decoys_alone_declare_nothing():
    plain = [page for page in PAGES if not page.declarations]
    assert len(plain) > 100 and sum(bool(page.decoys) for page in plain) > 80
    wrong = [(page.decoys, found) for page in plain if (found := _declared(page)) is not None]
    assert wrong == []


def test_two_different_licences_leave_the_page_without_one_and_the_evidence_names_both():
    conflicting = [page for page in PAGES if len({spdx for _, spdx, _ in page.declarations}) == 2]
    assert len(conflicting) > 30
    for page in conflicting:
        found = _declared(page)
        assert found is not None and found.license is None, page.describe()
        assert found.evidence.startswith("conflict: ")
        assert all(f"{spdx} ({evidence}" in found.evidence for _, spdx, evidence in page.declarations), \
            (found, page.describe())


def test_two_declarations_of_the_same_licence_agree():
    agreeing = [page for page in PAGES if len(page.declarations) == 2 and page.license]
    assert len(agreeing) > 50
    assert all(_declared(page).license == page.license for page in agreeing)


def test_no_html_document_and_empty_pages_declare_nothing():
    assert page_license(HTMLTree.parse("")) is None
    assert page_license(HTMLTree.parse("<p>creativecommons.org/licenses/by/4.0/</p>"), "") is None


# The licences that a reading by hand of every page in ../shared/data/html finds declared the ways licenses/web.py
# looks for (docs/licenses.md, "Checked on real pages"). Not in it, though one may read them as declarations: a
# "LICENSED UNDER CC BY NC ND" link in an article's appendix (verfassungsblog.de) and a footer's deed link with no
# statement ("CC Attribution - Share Alike by Roland Alton", ethify.org; a bare CC badge, zahlenzauberin.de).
READ_BY_HAND = {
    "d90bda7ed14df19574f4ca8b1ccde5752a78f40058af1393e81cc99adb3e8756": "CC-BY-3.0",  # panarmenian.net footer
    "255c494efd8329b3": "CC-BY-NC-SA-3.0",  # blog.python.org, the CC chooser's snippet in a sidebar widget
    "37cd40e45909ea62": "CC-BY-NC-SA-3.0",  # stardewvalleywiki.com, MediaWiki's footer and rel=copyright
    "488d50bb1ad97131": "CC-BY-NC-3.0",  # tafelblog.de, sidebar badge of the German port by-nc/3.0/de
    "85d961e11c4dcfdd": "CC-BY-NC-ND-4.0",  # lernpfadprismen.wordpress.com, sidebar badge
}


def test_real_pages_declare_what_a_reading_by_hand_finds(shared_data):
    found = {}
    for path in sorted((shared_data / "html").glob("*/html/*.html.gz")):
        html, _ = decode_html(gzip.decompress(path.read_bytes()), None)
        if declared := page_license(HTMLTree.parse(html)):
            found[path.name.removesuffix(".html.gz")] = declared.license
    assert found == READ_BY_HAND
