"""The status table of the hand-over: every pair of statuses, roles and guards (pure domain)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from itertools import product

import pytest

from accounts import roles
from accounts.scoping import AccessDenied
from handover import transitions
from handover.models import (
    AXE_GLOBAL,
    AXE_SOCIAL,
    SIDE_CD,
    SIDE_FT,
    STATUSES,
    Consent,
    Diagnostic,
    HandOver,
    IllegalTransition,
)

ALL_ROLES = (*roles.ROLES, transitions.SYSTEM)

# The journey of issue 10, written out independently of the table it checks.
EXPECTED_PAIRS = {
    ("", "transmise"),  # proposal
    ("transmise", "prise_en_charge"),  # claim or assignment
    ("prise_en_charge", "prise_en_charge"),  # assignment, diagnostics, re-orientation
    ("transmise", "transmise"),  # redirect to another territory
    ("prise_en_charge", "transmise"),  # redirect after a claim
    ("transmise", "refusee"),  # refused at reception
    ("prise_en_charge", "refusee"),  # refused at reception or by the decision
    ("prise_en_charge", "acceptee"),  # decision
    ("acceptee", "entree"),
    ("entree", "renouvelee"),
    ("entree", "terminee"),
    ("renouvelee", "terminee"),
    ("transmise", "annulee"),  # cancellation before entry
    ("prise_en_charge", "annulee"),
    ("acceptee", "annulee"),
    ("transmise", "expiree"),  # no decision in time
    ("prise_en_charge", "expiree"),
}


def record(status: str, axe: int = AXE_GLOBAL, diagnostics=(SIDE_FT, SIDE_CD)) -> HandOver:
    return HandOver(
        id=1,
        reference="2026-51-000001",
        axe=axe,
        status=status,
        person=None,
        personne_cle="k",
        freins=("sante",),
        appreciations=(),
        appreciation_texte="",
        modalite="entretiens_separes",
        consent=Consent(("transmission", "diagnostic"), date(2026, 11, 1), 1, "oral"),
        departement="51",
        territoire_id=1,
        agence="51001",
        proposee_par=1,
        proposee_le=date(2026, 11, 1),
        diagnostics=tuple(
            Diagnostic(side, 1, "x", date(2026, 11, 2), False, "s") for side in diagnostics
        ),
    )


def test_the_table_allows_exactly_its_pairs_and_refuses_every_other():
    """For every (from, to) among the statuses, some action by some role reaches ``to`` from
    ``from`` if and only if the table lists that pair; everything else is a 409 or a 403."""
    allowed = transitions.status_pairs()
    assert allowed == EXPECTED_PAIRS
    for source, target in product(STATUSES, STATUSES):
        reached = False
        for transition in transitions.TABLE:
            if transition.target != target:
                continue
            for role in ALL_ROLES:
                try:
                    done = transitions.check(transition.action, record(source), role)
                except (IllegalTransition, AccessDenied):
                    continue
                assert done.target == target
                reached = True
        assert reached == ((source, target) in allowed), (source, target)
    assert ("", "transmise") in allowed  # creation
    assert ("terminee", "transmise") not in allowed
    assert {s for s, _ in allowed} - {""} == set(STATUSES) - {
        "terminee",
        "refusee",
        "annulee",
        "expiree",
    }, "closed statuses are final"


@pytest.mark.parametrize(
    ("action", "role", "allowed"),
    [
        ("proposer", roles.CONSEILLER, True),
        ("proposer", roles.TRAVAILLEUR_SOCIAL, False),
        ("attribuer", roles.COORDINATEUR, True),
        ("attribuer", roles.TRAVAILLEUR_SOCIAL, False),
        ("diagnostic_ft", roles.CONSEILLER_AG, True),
        ("diagnostic_ft", roles.CONSEILLER, False),
        ("diagnostic_cd", roles.TRAVAILLEUR_SOCIAL, True),
        ("diagnostic_cd", roles.CONSEILLER_AG, False),
        ("expirer", transitions.SYSTEM, True),
        ("expirer", roles.ADMIN_NATIONAL, False),
        ("annuler", roles.CONSEILLER, True),
        ("annuler", roles.COORDINATEUR, False),
    ],
)
def test_each_action_belongs_to_its_roles(action, role, allowed):
    transition = transitions.BY_ACTION[action]
    source = next(iter(transition.sources))
    current = None if source == "" else record(source)
    if allowed:
        assert transitions.check(action, current, role).target == transition.target
    else:
        with pytest.raises(AccessDenied, match="n'est pas ouvert au rôle"):
            transitions.check(action, current, role)


def test_guards_decision_needs_the_diagnostics_of_the_axe():
    axe2_half = record("prise_en_charge", AXE_GLOBAL, diagnostics=(SIDE_CD,))
    with pytest.raises(IllegalTransition, match="deux diagnostics"):
        transitions.check("accepter", axe2_half, roles.TRAVAILLEUR_SOCIAL)
    axe3 = record("prise_en_charge", AXE_SOCIAL, diagnostics=(SIDE_CD,))
    assert transitions.check("accepter", axe3, roles.TRAVAILLEUR_SOCIAL).target == "acceptee"
    with pytest.raises(IllegalTransition, match="accompagnement global"):
        transitions.check("renouveler", replace(axe3, status="entree"), roles.TRAVAILLEUR_SOCIAL)
    with pytest.raises(IllegalTransition, match="accompagnement global"):
        transitions.check("diagnostic_ft", axe3, roles.CONSEILLER_AG)


def test_illegal_transitions_name_the_status_in_french():
    with pytest.raises(IllegalTransition, match="« Terminée »"):
        transitions.check("accepter", record("terminee"), roles.TRAVAILLEUR_SOCIAL)
    with pytest.raises(IllegalTransition, match="Action inconnue"):
        transitions.check("supprimer", record("transmise"), roles.ADMIN_NATIONAL)


def test_available_lists_only_what_the_role_may_do_now():
    actions = {t.action for t in transitions.available(record("transmise"), roles.COORDINATEUR)}
    assert actions == {"prendre_en_charge", "attribuer", "rediriger", "refuser_reception"}
    half = record("prise_en_charge", diagnostics=(SIDE_CD,))
    actions = {t.action for t in transitions.available(half, roles.CONSEILLER_AG)}
    assert "accepter" not in actions and "diagnostic_ft" in actions


def test_the_domain_imports_neither_flask_nor_sqlalchemy():
    import subprocess
    import sys

    code = (
        "import sys, handover.services, handover.access, handover.transitions; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_readme_shows_the_table_of_the_code():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    shown = readme.split("<!-- transitions:start -->\n")[1].split("\n<!-- transitions:end -->")[0]
    assert shown == transitions.readme_table()


def test_the_hand_over_day_is_the_day_in_france_not_in_utc():
    from datetime import UTC, datetime

    from handover.dates import today_in_france

    late_evening_utc = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 0 h 30 in Paris
    assert today_in_france(late_evening_utc) == date(2026, 12, 1)
    assert today_in_france(datetime(2026, 7, 1, 21, 59, tzinfo=UTC)) == date(2026, 7, 1)
