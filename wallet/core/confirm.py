"""The second step before an act that cannot be undone: a page that says in words and money
what will happen, and a button that sends the same form again with `confirm=1`.

It needs no JavaScript. A form posted without `confirm=1` is not acted on: the view renders
this page instead. The fields the first step sent (a reason, a checked box) are carried over;
the page renders a fresh one-time key, so a double click on it still acts once.
"""

from __future__ import annotations

from flask import render_template, request

CONFIRM_FIELD = "confirm"
_NOT_CARRIED = {"csrf_token", CONFIRM_FIELD}


def confirmed() -> bool:
    """Whether the form comes from the confirmation page."""
    return request.form.get(CONFIRM_FIELD) == "1"


def confirmation_page(
    *,
    title: str,
    facts: list[tuple[str, str]] | None = None,
    consequences: list[str],
    button: str,
    back_url: str,
    back_text: str,
    danger: bool = False,
) -> str:
    """The page that asks "are you sure?": what will happen, then confirm or go back."""
    from wallet.core.forms import ONCE_FIELD

    carried = [
        (name, value)
        for name in request.form
        if name not in _NOT_CARRIED and name != ONCE_FIELD
        for value in request.form.getlist(name)
    ]
    return render_template(
        "core/confirm.html",
        title=title,
        facts=facts or [],
        consequences=consequences,
        button=button,
        back_url=back_url,
        back_text=back_text,
        danger=danger,
        carried=carried,
        action_url=request.path,
    )
