"""The device of a session in words, as the sessions page shows it."""

import pytest

from wallet.sessions.devices import device_in_words


@pytest.mark.parametrize(
    ("user_agent", "words"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox op Windows",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome Mobile op Android",
        ),
        ("", "Onbekend apparaat"),
        ("curl/8.5.0", "curl"),
        ("???", "Onbekend apparaat"),
    ],
)
def test_a_user_agent_in_words(app, user_agent, words):
    with app.test_request_context("/"):
        assert device_in_words(user_agent) == words
