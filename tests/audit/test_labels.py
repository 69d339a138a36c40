"""Every audit action the code base records reads as a sentence; details read as words."""

from __future__ import annotations

import ast
import importlib
import pathlib

import pytest
from flask_babel import force_locale

import wallet
from wallet.audit import labels
from wallet.verification.models import HoldDecision

SOURCE = pathlib.Path(wallet.__file__).parent

# Where an action is a variable, the transition table it comes from (per subject type).
TABLES = {
    "application": "wallet.applications.models:TRANSITIONS",
    "caseload_entry": "wallet.brokers.services:TRANSITIONS",
    "claim": "wallet.claims.models:TRANSITIONS",
    "employer": "wallet.employers.services:TRANSITIONS",
    "placement": "wallet.placements.models:PLACEMENT_TRANSITIONS",
    "provider": "wallet.providers.services:TRANSITIONS",
    "reimbursement_claim": "wallet.placements.models:REIMBURSEMENT_TRANSITIONS",
}


def _table_actions(subject_type: str) -> set[str]:
    module, name = TABLES[subject_type].split(":")
    table = getattr(importlib.import_module(module), name)
    return {str(action) for _state, action in table}


def _constants(node: ast.AST) -> set[str] | None:
    """The strings an expression can be, when it is made of string literals only."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        body, orelse = _constants(node.body), _constants(node.orelse)
        return None if body is None or orelse is None else body | orelse
    return None


def _assigned(function: ast.AST, name: str) -> set[str] | None:
    """The literal values a local variable is given in a function, if any."""
    values: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in node.targets
        ):
            found = _constants(node.value)
            if found is None:
                return None
            values |= found
    return values or None


def _recorded_pairs() -> set[tuple[str | None, str]]:
    """(subject type or None when computed, action) of every audit event the code writes."""
    pairs: set[tuple[str | None, str]] = set()
    for path in SOURCE.rglob("*.py"):
        text = path.read_text()
        if "from wallet.audit.services import" not in text and "sa.insert(AuditEvent)" not in text:
            continue
        tree = ast.parse(text)
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        for function in functions:
            for node in ast.walk(function):
                for subject, action in _events_in(node):
                    pairs |= _resolve(path, function, subject, action)
    return pairs


def _events_in(node: ast.AST):
    """(subject expression, action expression) of an audit `record(...)` call or of a row
    for `sa.insert(AuditEvent)`."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "record"
        and len(node.args) >= 3
    ):
        yield node.args[0], node.args[2]
    if isinstance(node, ast.Dict):
        keys = {
            k.value: v
            for k, v in zip(node.keys, node.values, strict=True)
            if isinstance(k, ast.Constant)
        }
        if "subject_type" in keys and "action" in keys:
            yield keys["subject_type"], keys["action"]


def _resolve(path, function, subject_node, action_node) -> set[tuple[str | None, str]]:
    subjects = _constants(subject_node)
    subject_list = sorted(subjects) if subjects else [None]
    actions = _constants(action_node)
    if actions is None and isinstance(action_node, ast.JoinedStr):
        # f"hold_{decision.value}": one per decision a held grant can get.
        assert ast.unparse(action_node) == "f'hold_{decision.value}'", path
        actions = {f"hold_{decision.value}" for decision in HoldDecision}
    if actions is None and isinstance(action_node, ast.Name):
        actions = _assigned(function, action_node.id)
        if actions is None:
            assert subjects, f"{path}: a computed action on a computed subject"
            for subject in subjects:
                assert subject in TABLES, f"{path}: where do the {subject} actions come from?"
            actions = set().union(*(_table_actions(s) for s in subjects))
    assert actions is not None, f"{path}: cannot tell the action of {ast.unparse(action_node)}"
    return {(subject, action) for subject in subject_list for action in actions}


def test_the_scan_finds_the_audit_calls():
    pairs = _recorded_pairs()
    # A few that must be found, one of each way an action is written.
    assert ("claim", "approve") in pairs  # a literal
    assert ("provider", "accreditation_added") in pairs
    assert ("grant", "hold_released") in pairs  # an f-string
    assert ("user", "password_set") in pairs  # a conditional
    assert ("application", "cancel") in pairs  # from the transition table
    assert (None, "iban_changed") in pairs  # on a computed subject
    assert len(pairs) > 100


def test_every_recorded_action_has_a_sentence():
    missing = sorted(
        (subject or "*", action)
        for subject, action in _recorded_pairs()
        if not (labels.has_label(subject, action) if subject else action in labels.ANY_SUBJECT)
    )
    assert missing == []


def test_every_recorded_subject_type_has_a_name():
    subjects = {subject for subject, _action in _recorded_pairs() if subject}
    assert subjects - set(labels.SUBJECTS) == set()
    assert subjects - set(labels.SUBJECT) == set()


def _recorded_detail_keys() -> dict[str, str]:
    """Each literal key of the `before=`/`after=` dicts the code records, with one file."""
    keys: dict[str, str] = {}
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "record"):
                continue
            for keyword in node.keywords:
                if keyword.arg in ("before", "after") and isinstance(keyword.value, ast.Dict):
                    for key in keyword.value.keys:
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            keys.setdefault(key.value, str(path.relative_to(SOURCE)))
    return keys


def test_every_recorded_detail_key_has_a_label():
    """A Dutch reader never sees "Approvals needed" humanised from a code: each key the code
    records by name has its words in labels.DETAILS (translated like every text)."""
    keys = _recorded_detail_keys()
    assert {"status", "amount", "approvals_needed"} <= set(keys)  # the scan finds them
    missing = {key: path for key, path in keys.items() if key not in labels.DETAILS}
    assert missing == {}


def test_recorded_details_read_in_dutch(app):
    with app.test_request_context(), force_locale("nl"):
        assert labels.detail_label("approvals_needed") == "Benodigde goedkeuringen"
        assert labels.value_text("copay", 12_550) == "€\xa0125,50"


@pytest.mark.parametrize(
    ("language", "subject", "action", "sentence"),
    [
        ("nl", "claim", "approve", "Declaratie goedgekeurd"),
        ("nl", "provider", "accreditation_added", "Accreditatie toegevoegd"),
        ("de", "claim", "approve", "Abrechnung genehmigt"),
        ("en", "claim", "approve", "Claim approved"),
    ],
)
def test_an_action_reads_as_a_sentence_in_the_readers_language(
    app, language, subject, action, sentence
):
    with app.test_request_context(), force_locale(language):
        assert labels.action_label(subject, action) == sentence


def test_details_read_as_words_and_money(app):
    with app.test_request_context(), force_locale("nl"):
        lines = labels.details(
            {"status": "pending"},
            {
                "status": "approved",
                "amount_cents": 150_000,
                "next_step_on": "2025-05-01",
                "still_employed": True,
                "allocation_mode": "first_come",
            },
        )
        texts = [f"{line.label}: {line.text}" for line in lines]
    assert texts == [
        "Status: Wordt gecontroleerd → Goedgekeurd",
        "Bedrag: €\xa01.500,00",
        "Datum volgende stap: 2025-05-01",
        "Nog in dienst: ja",
        "Hoe budgetten worden toegekend: Wie het eerst komt, het eerst maalt, tot het plafond is "
        "bereikt",
    ]


def test_an_unknown_action_and_key_are_humanised_not_shown_as_codes(app):
    with app.test_request_context(), force_locale("en"):
        assert labels.action_label("fund", "renamed_twice") == "Renamed twice"
        (line,) = labels.details(None, {"odd_key": "x"})
    assert (line.label, line.text) == ("Odd key", "x")


def test_a_claims_or_batchs_amount_in_cents_reads_as_money(app):
    with app.test_request_context(), force_locale("en"):
        lines = labels.details(None, {"amount": 440_000, "offset": 0, "claims": 2})
        texts = [f"{line.label}: {line.text}" for line in lines]
    assert texts[0].endswith("4,400.00")
    assert texts[1].endswith("0.00")
    assert texts[2].endswith(": 2")
