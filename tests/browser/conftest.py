"""Browser tests: Playwright drives Debian's Chromium; axe checks WCAG 2.1 A and AA.

Where no Chromium is installed the tests are skipped with that reason; .ci/run installs it.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

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


SHOTS = os.environ.get("LEERWALLET_SHOTS")  # a folder for screenshots of every page checked, if set

# Text a person should never read on a page: internal codes, cents, raw data. Each entry is
# (pattern, why); the visible text (document.body.innerText) is searched, case-sensitive.
FORBIDDEN_TEXT: list[tuple[str, str]] = [
    (r"\b[a-z]+(?:_[a-z]+)+\b", "a code with underscores (accreditation_added, first_come)"),
    (r"\b[a-z]+-[a-z]+:[0-9a-f]{6,}", "a ledger account code (fund-pot:77136767…)"),
    (r"\bStatus (?:pending|approved|rejected|submitted|paid|draft|active)\b", "a raw status"),
    (r"\b\d+ ?(?:cents?|eurocent)\b", "an amount in cents"),
    (r"[{\[]\s*\"[a-z_]+\"\s*:", "raw JSON"),
    (r"\bNone\b|\bnull\b|\bundefined\b", "an empty value printed as a word"),
    (r"\bRegio Regio\b", "a doubled word"),
]


# The page's visible text, less what is marked data-lw-literal: a name a person must read
# exactly as written (the cookie statement's cookie names, such as lw_device).
VISIBLE_TEXT = """[...document.querySelectorAll('[data-lw-literal]')]
    .reduce((text, e) => text.replace(e.innerText, ''), document.body.innerText)"""


def _visible_text_problems(text: str) -> list[str]:
    problems = []
    for pattern, why in FORBIDDEN_TEXT:
        found = re.search(pattern, text)
        if found:
            problems.append(f"{why}: {found.group(0)!r}")
    return problems


@pytest.fixture
def check_page(assert_accessible):
    """check_page(page, name): the page as a person sees it, at 375 and 1280 px.

    For each width: axe finds no WCAG 2.1 A/AA violation, nothing scrolls sideways, the title
    holds no markup, and the visible text holds none of FORBIDDEN_TEXT. With LEERWALLET_SHOTS
    set, a full-page screenshot of each width is saved there as NAME-WIDTH.png to look at.
    Afterwards the viewport is as it was, so the journey goes on at the width it chose.
    """

    def check(page, name: str, widths: tuple[int, ...] = (375, 1280)) -> None:
        before = page.viewport_size
        for width in widths:
            page.set_viewport_size({"width": width, "height": 900})
            page.wait_for_load_state("load")
            assert_accessible(page)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            assert scroll <= width, f"{page.url} is {scroll} px wide at {width} px"
            title = page.title()
            assert not re.search(r"[<>]", title), f"{page.url} has markup in its title: {title!r}"
            problems = _visible_text_problems(page.evaluate(VISIBLE_TEXT))
            assert not problems, f"{page.url} shows {'; '.join(problems)}"
            if SHOTS:
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)
        if before:
            page.set_viewport_size(before)

    return check
