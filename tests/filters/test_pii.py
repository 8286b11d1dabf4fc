"""Personal data found and replaced: public e-mail and IP addresses go, private ones and look-alikes stay, and
redacted text redacted again does not change."""

import random
import re

import phonenumbers
import pytest
from babel.core import get_global
from hypothesis import given, settings
from hypothesis import strategies as st

from filters.pii import KINDS, Redaction, found_kind, phone_region, redact
from tests.helpers.pii_text import LOOK_ALIKES, planted

EVERYTHING = Redaction(emails=True, ips=True, phones=True)


@pytest.mark.parametrize("seed", range(40))
def test_planted_public_addresses_are_replaced_and_the_rest_kept(seed):
    text, plants = planted(random.Random(seed))
    redacted, counts = redact(text, Redaction(emails=True, ips=True))
    for kind, value, gone in plants:
        assert (value not in redacted.split()) == gone, (kind, value, redacted)
    assert counts == {kind: sum(1 for k, _, gone in plants if k == kind and gone) for kind in ("emails", "ips")}


def test_an_address_ending_a_sentence_or_in_brackets_is_found_whole():
    text = "Mail jane@gmail.com. Server 8.8.8.8, or [2606:4700:4700::1111]; not 8.8.8.8.1 nor x8.8.8.8"
    redacted, counts = redact(text, Redaction(emails=True, ips=True))
    assert redacted == ("Mail email@example.com. Server 192.0.2.1, or [2001:db8::1]; not 8.8.8.8.1 nor x8.8.8.8")
    assert counts == {"emails": 1, "ips": 2}


def test_kinds_left_out_are_not_looked_for():
    text = "jane@gmail.com 8.8.8.8 +49 30 901820"
    assert redact(text, Redaction())[1] == {}
    assert redact(text, Redaction(ips=True)) == ("jane@gmail.com 192.0.2.1 +49 30 901820", {"ips": 1})
    assert redact(text, Redaction(emails=True))[1] == {"emails": 1}


def test_look_alikes_are_no_phone_numbers_and_replacements_are_configurable():
    text = " ".join(LOOK_ALIKES) + " 10.1.2.3 192.0.2.77"
    assert redact(text, EVERYTHING) == (text, dict.fromkeys(KINDS, 0))
    mine = Redaction(emails=True, ips=True, email_replacement="[email]", ipv4_replacement="[ip]")
    assert redact("a@gmail.com 8.8.8.8", mine)[0] == "[email] [ip]"


def test_a_phone_number_without_country_code_is_read_in_the_region_of_the_documents_language():
    national = "030 901820"  # a Berlin number as Germans write it
    assert phonenumbers.is_valid_number(phonenumbers.parse(national, "DE"))  # the reference: libphonenumber
    text = f"Ruf an: {national}, oder +49 30 901820."
    assert redact(text, Redaction(phones=True), "de") == ("Ruf an: +1 555 0100, oder +1 555 0100.", {"phones": 2})
    assert redact(text, Redaction(phones=True), None)[1] == {"phones": 1}  # without a region: +49 only


@pytest.mark.parametrize("language", ["de", "en", "pt", "zh-Hans", "fr_CA", "xx", "", None])
def test_the_region_of_a_language_is_cldrs_likely_one(language):
    likely = get_global("likely_subtags").get((language or "").replace("_", "-").split("-")[0])
    assert phone_region(language) == (likely.split("_")[-1] if likely else None)


def test_the_default_replacements_hold_no_personal_data():
    defaults = Redaction()
    for value in (defaults.email_replacement, defaults.ipv4_replacement, defaults.ipv6_replacement,
                  defaults.phone_replacement):
        assert found_kind(value) is None
    assert found_kind("8.8.8.8") == "ips" and found_kind("+49 30 901820") == "phones"


PIECES = st.sampled_from(["jane@gmail.com", "8.8.8.8", "10.0.0.1", "2606:4700::1", "fe80::1", "+49 30 901820",
                          "030 901820", "(202) 555-0143", "@x", "1.2.3.4.5", ".", ":", " ", "\n", "@", "+"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(PIECES, st.text(alphabet="0123456789abcdef.:@+-() \n", max_size=12)), max_size=12),
       st.sampled_from(["de", "en", "fr", None]))
def test_redacting_again_changes_nothing(pieces, language):
    text = "".join(pieces)
    once, counts = redact(text, EVERYTHING, language)
    assert redact(once, EVERYTHING, language) == (once, dict.fromkeys(KINDS, 0))
    for kind in KINDS:  # the prefilter passes every text with something to replace
        assert not counts[kind] or re.search(Redaction(**{kind: True}).hint(), text)
