"""The visible-text rules of check_page catch what issue 14 saw on screen, and pass plain Dutch."""

import pytest

from tests.browser.conftest import _visible_text_problems


@pytest.mark.parametrize(
    "text",
    [
        "Actie: accreditation_added",
        "Rekening fund-pot:77136767abcd",
        "Status pending",
        "Bedrag: 150000 cents",
        'Gegevens {"amount_cents": 100}',
        "Regio Regio Zwolle",
        "Einddatum: None",
    ],
)
def test_internal_text_is_caught(text):
    assert _visible_text_problems(text)


def test_plain_dutch_passes():
    text = "Je budget: € 1.500,00. Status: goedgekeurd. Regio Zwolle. Opleiding begint op 3 maart."
    assert _visible_text_problems(text) == []
