from licenses.mt_models import MODEL_LICENSES, model_license, restricts_use
from licenses.spdx import LICENSES


def test_a_model_is_known_by_its_hub_id_or_a_converted_copys_folder():
    assert model_license("facebook/nllb-200-distilled-600M") == "CC-BY-NC-4.0"
    assert model_license("/models/nllb-200-3.3B-ct2-int8") == "CC-BY-NC-4.0"
    assert model_license("OpenNMT/nllb-200-distilled-1.3B-ct2-int8") == "CC-BY-NC-4.0"
    assert model_license("Helsinki-NLP/opus-mt-en-de") == model_license("ct2/opus-mt-en-fr") == "CC-BY-4.0"
    assert model_license("facebook/m2m100_418M") == "MIT"
    assert model_license("my-own-model") is model_license(None) is None


def test_nllb_restricts_use_and_opus_mt_does_not():
    assert restricts_use(model_license("facebook/nllb-200-1.3B"))
    assert not restricts_use(model_license("Helsinki-NLP/opus-mt-en-es"))
    assert not restricts_use(None)  # unknown: said as unknown, not as a restriction


def test_every_licence_of_the_table_is_an_spdx_id_with_a_tier_and_a_source():
    for _, spdx, source in MODEL_LICENSES:
        assert spdx in LICENSES and source.startswith("https://")
