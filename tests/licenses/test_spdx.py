import random

from licenses.spdx import LICENSES, PUBLIC_DOMAIN, TIERS, deed_id, spdx_id, tier
from tests.helpers.license_pages import LICENCES, deed_url


def test_loose_names_as_sources_write_them_map_to_one_id():
    assert {spdx_id(n) for n in ("CC BY-SA 4.0", "cc-by-sa-4.0", "CC_BY_SA_4.0", "Creative Commons BY-SA 4.0")} \
        == {"CC-BY-SA-4.0"}
    assert spdx_id("MIT License") == "MIT"
    assert spdx_id("public domain") == PUBLIC_DOMAIN
    assert spdx_id("CC0") == "CC0-1.0"


def test_a_licence_outside_the_table_has_no_id_and_the_tier_unknown():
    assert spdx_id("All rights reserved") is None
    assert tier(None) == tier("GPL-3.0-only") == "unknown"


def test_non_commercial_outranks_share_alike_and_no_derivatives():
    assert tier("CC-BY-NC-SA-4.0") == tier("CC-BY-NC-ND-3.0") == "non_commercial"
    assert tier("CC-BY-ND-4.0") == "no_derivatives"
    assert tier("CC-BY-SA-3.0") == "share_alike" and tier("CC-BY-2.5") == "attribution"


def test_every_licence_has_one_of_the_tiers():
    assert set(LICENSES.values()) <= set(TIERS)


def test_a_version_written_with_an_underscore_is_the_version():
    assert spdx_id("cc_by_sa_3_0") == "CC-BY-SA-3.0" and spdx_id("cc_by_4_0") == "CC-BY-4.0"
    assert spdx_id("apache_2_0") == "Apache-2.0" and spdx_id("cc_by_sa_3_0_it") is None


def test_every_creative_commons_deed_and_name_maps_to_its_id():
    rng = random.Random(0)
    for licence in LICENCES:
        assert {deed_id(deed_url(licence, rng)) for _ in range(12)} == {licence.spdx}, licence
        assert {spdx_id(name) for name in (licence.short, licence.long) if name} <= {licence.spdx}, licence
        assert tier(licence.spdx) == licence.tier


def test_a_ported_deed_is_its_version_and_an_unknown_one_nothing():
    assert deed_id("http://creativecommons.org/licenses/by-sa/3.0/de/deed.de") == "CC-BY-SA-3.0"
    assert deed_id("https://creativecommons.org/licenses/by/2.1/jp/") is None  # 2.1 was only ported
    assert deed_id("https://creativecommons.org/licenses/") is None
    assert deed_id("https://example.org/licenses/by/4.0/") is None
    assert deed_id("https://opensource.org/licenses/MIT") == "MIT"
