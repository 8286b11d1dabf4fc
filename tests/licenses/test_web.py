"""The licence a page declares, on generated pages whose planted markers say what to expect."""

import pytest
from resiliparse.parse.html import HTMLTree

from licenses.spdx import tier
from licenses.web import page_license
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
