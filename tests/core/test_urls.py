"""Redirect targets stay on this site; links for outside readers come from BASE_URL."""

import pytest

from wallet.core.urls import external_url, safe_redirect_target

DEFAULT = "/home"


@pytest.mark.parametrize(
    "target",
    [
        "/",
        "/account/tokens",
        "/catalogue?q=lassen&page=2",
        "/catalogue?q=las%20sen",  # an encoded space in the query cannot change the host
        "/claims/7#history",
    ],
)
def test_local_paths_are_kept(target):
    assert safe_redirect_target(target, DEFAULT) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "/\t/evil.example",
        "/%09/evil.example",
        "/%2509/evil.example",  # encoded twice
        "/%2F%2Fevil.example",
        "/%5Cevil.example",
        "/\n/evil.example",
        "/account\r\nSet-Cookie: x=1",
        "/%0d%0aSet-Cookie:x=1",
        " /account",
        "/a b",
        "/\x00",
        "/\u200b/evil.example",  # zero-width space
        "javascript:alert(1)",
        "evil.example",
        "/" + "a" * 3000,
    ],
)
def test_anything_else_gives_the_default(target):
    assert safe_redirect_target(target, DEFAULT) == DEFAULT


def test_external_links_ignore_the_requests_host(app):
    configured = app.config["BASE_URL"]
    app.config["BASE_URL"] = "https://leerwallet.example/app/"
    try:
        with app.test_request_context("/", base_url="https://evil.example"):
            assert external_url("home.index") == "https://leerwallet.example/app/"
            assert (
                external_url("accounts.login", next="/x")
                == "https://leerwallet.example/app/login?next=/x"
            )
        with app.app_context():  # outside a request (jobs, CLI) the same address
            assert external_url("home.index") == "https://leerwallet.example/app/"
    finally:
        app.config["BASE_URL"] = configured
