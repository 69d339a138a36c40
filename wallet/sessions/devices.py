"""A user agent in words, for the sessions page: "Firefox on Windows"."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import gettext as _
from ua_parser import parse


@lru_cache(maxsize=512)
def _families(user_agent: str) -> tuple[str | None, str | None]:
    result = parse(user_agent)
    browser = result.user_agent.family if result.user_agent else None
    system = result.os.family if result.os else None
    return (
        browser if browser and browser != "Other" else None,
        system if system and system != "Other" else None,
    )


def device_in_words(user_agent: str) -> str:
    """The browser and operating system a user agent names, or "an unknown device"."""
    browser, system = _families(user_agent[:300]) if user_agent else (None, None)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or _("Unknown device")
