"""The recipe's `transforms.redact_pii`: kinds left out are off, and a mistake is refused by file, line and key."""

import pytest

from filters.pii import Redaction
from recipes.loader import RecipeError, parse_recipe

RECIPE = "name: r\ninputs:\n  - path: data/signals\noutput:\n  path: out/r\ntransforms:\n  redact_pii:\n"


def test_kinds_left_out_are_off_and_replacements_default_to_reserved_values():
    redact = parse_recipe(RECIPE + "    emails: true\n", "my.yaml").recipe.transforms.redact_pii
    assert redact.redaction() == Redaction(emails=True)
    assert parse_recipe(RECIPE.removesuffix("transforms:\n  redact_pii:\n"), "my.yaml").recipe.transforms.redact_pii \
        is None


@pytest.mark.parametrize("body, refused", [
    ("    emials: true\n", "my.yaml:8: transforms.redact_pii.emials: unknown key (did you mean 'emails'?)"),
    ("    ips: false\n", "my.yaml:7: transforms.redact_pii: nothing to redact: set at least one of emails, ips, "
                         "phones to true"),
    ("    ips: true\n    ipv4_replacement: 8.8.8.8\n",
     "my.yaml:9: transforms.redact_pii.ipv4_replacement: '8.8.8.8' would itself be redacted (as ips)"),
    ("    emails: true\n    email_replacement: me@gmail.com\n",
     "my.yaml:9: transforms.redact_pii.email_replacement: 'me@gmail.com' would itself be redacted (as emails)"),
    ("    phones: true\n    phone_replacement: '+49 30 901820'\n",
     "my.yaml:9: transforms.redact_pii.phone_replacement: '+49 30 901820' would itself be redacted (as phones)"),
])
def test_a_bad_redact_pii_is_refused_at_its_line(body, refused):
    with pytest.raises(RecipeError) as caught:
        parse_recipe(RECIPE + body, "my.yaml")
    assert str(caught.value).startswith(refused)
