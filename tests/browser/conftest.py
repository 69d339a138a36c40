"""Browser tests: Playwright drives Debian's Chromium; axe checks WCAG 2.1 A and AA.

Where no Chromium is installed the tests are skipped with that reason; .ci/run installs it.
"""

from __future__ import annotations

import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.twofactor.signin import bind_browser_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch the system Chromium; the flags keep it off a network it cannot reach."""
    if not shutil.which(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(autouse=True)
def _codes_through_the_app(app) -> None:
    """Staff sign in with a second factor: the sign-in helper reads their current code."""
    bind_browser_app(app)


@pytest.fixture
def assert_accessible():
    """assert_accessible(page): no axe violation of WCAG 2.1 A/AA on the page as it is now."""
    axe = Axe()

    def check(page) -> None:
        options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
        results = axe.run(page, options=options)
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"

    return check
