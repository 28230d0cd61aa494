"""The person's file page fits its boxes in a real Chromium: for a record in each status that
shows date fields (axe 2 taken in charge with both diagnostics saved, taken in charge with
none, accepted, entered), every field, label and button of every action form lies within its
fieldset, form and action box, at 1280 px and at 375 px. Chrome's ``type=date`` input used to
stick out of its box by about 60 px (review of issue 10). Layout does not depend on the
database: SQLite only."""

from __future__ import annotations

import pytest
from handover_support import proposal
from playwright.sync_api import expect

from handover.dates import today_in_france

from ..conftest import screenshot

VIEWPORTS = {"1280": {"width": 1280, "height": 900}, "375": {"width": 375, "height": 812}}

# Every field, label and button of the action forms whose box sticks out of the closest
# fieldset, form or action box containing it (half a pixel of rounding allowed).
OVERFLOWS = """() => {
    const out = [];
    const box = (e) => e.getBoundingClientRect();
    const outside = (inner, outer) =>
        inner.left < outer.left - 0.5 || inner.right > outer.right + 0.5 ||
        inner.top < outer.top - 0.5 || inner.bottom > outer.bottom + 0.5;
    const items = document.querySelectorAll(
        ".relais-action :is(input:not([type=hidden]), select, textarea, button, label, summary)"
    );
    for (const item of items) {
        const r = box(item);
        if (r.width === 0 && r.height === 0) continue;  // in a closed <details>
        for (const container of [item.closest("fieldset"), item.closest("form"),
                                 item.closest(".relais-action")]) {
            if (container && outside(r, box(container))) {
                out.push(`${item.closest(".relais-action").id} ${item.tagName.toLowerCase()}` +
                         `#${item.id || item.name || item.textContent.trim().slice(0, 30)}` +
                         ` [${Math.round(r.left)}, ${Math.round(r.right)}] hors de ` +
                         `${container.tagName.toLowerCase()}.${container.className.split(" ")[0]}` +
                         ` [${Math.round(box(container).left)}, ${Math.round(box(container).right)}]`);
            }
        }
    }
    return out;
}"""


def _record(runtime, people, identifiant: str, steps: list[tuple]) -> int:
    """A record proposed by the adviser for a person of Reims, then taken through ``steps``
    (``(actor, action, form)``) by the service, as the pages would."""
    record = runtime.handovers.propose(people.conseiller, proposal(identifiant_ft=identifiant))
    for actor, action, form in steps:
        runtime.handovers.act(actor, record.id, action, form)
    return record.id


@pytest.mark.parametrize("hand_server", ["sqlite"], indirect=True)
def test_every_action_form_fits_its_box_at_1280_and_375(session_of, people, hand_runtime):
    today = today_in_france().isoformat()
    assign = (
        people.coordinateur_reims,
        "attribuer",
        {"travailleur_social_id": str(people.travailleur_reims.id)},
    )
    ft = (people.conseiller_ag, "diagnostic_ft", {"date": today, "synthese": "Côté emploi."})
    cd = (people.travailleur_reims, "diagnostic_cd", {"date": today, "synthese": "Côté social."})
    accept = (people.conseiller_ag, "accepter", {"entree_prevue_le": today})
    enter = (people.conseiller_ag, "entrer", {"entree_le": today})
    files = {
        # the saved FT half ("Modifier mon diagnostic"), the decision's date
        "decision": (
            people.conseiller_ag,
            _record(hand_runtime, people, "4000001A", [assign, ft, cd]),
        ),
        # the CD diagnostic's date and modality, attribution and redirect
        "diagnostic": (
            people.coordinateur_reims,
            _record(hand_runtime, people, "4000002B", [assign]),
        ),
        "acceptee": (
            people.conseiller_ag,
            _record(hand_runtime, people, "4000003C", [assign, ft, cd, accept]),
        ),
        "entree": (
            people.travailleur_reims,
            _record(hand_runtime, people, "4000004D", [assign, ft, cd, accept, enter]),
        ),
    }
    dated = {
        "decision": ["#accepter-entree_prevue_le", "#diagnostic_ft-date"],
        "diagnostic": ["#diagnostic_cd-date"],
        "acceptee": ["#entrer-entree_le"],
        "entree": ["#terminer-terminee_le"],
    }
    for name, (user, record_id) in files.items():
        page = session_of(user)
        page.goto(f"/accompagnements/{record_id}")
        modify = page.locator("#action-diagnostic_ft summary")
        if modify.count():
            modify.click()  # the saved half's form, opened as its author does
        for selector in dated[name]:
            expect(page.locator(selector)).to_be_visible()
            assert page.locator(selector).get_attribute("type") == "date"
        for width, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            overflows = page.evaluate(OVERFLOWS)
            assert overflows == [], f"{name} à {width} px : {overflows}"
            page_overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert page_overflow <= 0, (
                f"{name} à {width} px : la page déborde de {page_overflow} px"
            )
        screenshot(page, f"49-dossier-{name}-formulaires-375")
