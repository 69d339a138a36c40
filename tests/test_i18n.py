"""Languages: Dutch by default, English and German on request, remembered per user."""

from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from wallet.accounts.models import User

TRANSLATIONS = Path(__file__).parent.parent / "wallet" / "translations"


def test_pages_are_dutch_by_default(client):
    page = client.get("/")
    assert '<html lang="nl"' in page.text
    assert "Inloggen" in page.text


@pytest.mark.parametrize(
    ("language", "word"), [("en", "Log in"), ("de", "Anmelden"), ("nl", "Inloggen")]
)
def test_the_language_switch_changes_the_screens(client, language, word):
    response = client.post("/language", data={"language": language, "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    page = client.get("/login")
    assert f'<html lang="{language}"' in page.text
    assert word in page.text


def test_a_users_language_is_remembered_across_sessions(app, client, db, make_worker, login):
    worker = make_worker()
    login(client, worker)
    client.post("/language", data={"language": "de", "next": "/"})
    assert db.scalar(sa.select(User.preferred_language).where(User.id == worker.id)) == "de"
    fresh = app.test_client()
    login(fresh, worker)
    assert '<html lang="de"' in fresh.get("/").text


def test_an_unknown_language_changes_nothing(client):
    client.post("/language", data={"language": "fr", "next": "/"})
    assert '<html lang="nl"' in client.get("/").text


@pytest.mark.parametrize("language", ["nl", "de"])
def test_every_text_has_a_translation(language):
    """A text added without translation shows up here, not in front of a user."""
    template = read_po((TRANSLATIONS / "messages.pot").open("rb"))
    catalogue = read_po((TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb"))

    def complete(message) -> bool:
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        return all(forms)

    translated = {m.id for m in catalogue if m.id and complete(m)}
    missing = [m.id for m in template if m.id and m.id not in translated]
    assert missing == []
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert fuzzy == []


def test_the_template_lists_every_text_in_the_code():
    """messages.pot is up to date: `make extract-messages` after adding texts."""
    import subprocess
    import sys
    import tempfile

    root = TRANSLATIONS.parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "fresh.pot"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "babel.messages.frontend",
                "-q",
                "extract",
                "-F",
                str(root / "babel.cfg"),
                "-k",
                "_l",
                "-k",
                "lazy_gettext",
                "-o",
                str(out),
                str(root),
            ],
            check=True,
            cwd=root,
        )
        fresh = {m.id for m in read_po(out.open("rb")) if m.id}
    committed = {m.id for m in read_po((TRANSLATIONS / "messages.pot").open("rb")) if m.id}
    assert fresh - committed == set()
