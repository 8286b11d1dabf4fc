from licenses.spdx import LICENSES, PUBLIC_DOMAIN, TIERS, spdx_id, tier


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
