"""The catalogue's place filter names each region once: "Regio Zwolle", not "Regio Regio
Zwolle"; a region without the word in its name still gets it ("Regio Twente")."""

from wallet.catalogue.forms import _places


def test_a_region_is_named_once(app):
    with app.test_request_context():
        labels = [str(c.label) for c in _places() if c.value.startswith("region:")]
    assert "Regio Zwolle" in labels
    assert "Regio Twente" in labels
    assert not [label for label in labels if "Regio Regio" in label]
