"""The search page's behaviours in a real browser: focus after a search, Enter from any field,
ticks kept across result pages and back from the sheet, copy buttons, the SMS counter, and a
sticky selection bar that never hides a card (1366×768, 200 % zoom, 375 px wide)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import SCREENSHOTS, _context, audit, screenshot

MANY = "/?commune=51000&code_commune=51108&rayon_km=100"


def test_focus_goes_to_the_commune_then_to_the_results(page):
    page.goto("/")
    expect(page.locator("#commune")).to_be_focused()
    page.locator("#commune").fill("51000")
    # Enter on a checkbox submits the search (not only from the text fields).
    page.locator("summary", has_text="Mobilité").click()
    page.get_by_text("Tout : mobilité").click()
    box = page.locator("#th-mobilite")
    expect(box).to_be_checked()
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"thematiques=mobilite"))
    heading = page.locator("#titre-resultats")
    expect(heading).to_be_focused()
    expect(heading).to_be_in_viewport()
    # Enter from the radius list and from a radio button too.
    page.locator("#rayon_km").select_option("50")
    page.locator("#rayon_km").press("Enter")
    expect(page).to_have_url(re.compile(r"rayon_km=50"))
    page.locator("summary", has_text="Filtres").click()
    page.locator("label[for='ouvert-aujourdhui']").click()
    page.locator("#ouvert-aujourdhui").press("Enter")
    expect(page).to_have_url(re.compile(r"ouvert=aujourdhui"))
    expect(page.locator("#titre-resultats")).to_be_focused()


def _tick(page, index: int) -> str:
    box = page.locator("input[data-relais-choice]").nth(index)
    page.locator(f"label[for='{box.get_attribute('id')}']").click()
    expect(box).to_be_checked()
    return box.get_attribute("value")


def test_ticks_persist_across_pages_and_back_from_the_sheet(page):
    page.goto(MANY)
    expect(page.locator("#titre-resultats")).to_contain_text("page 1 sur")
    first = _tick(page, 0)
    page.get_by_role("link", name="Page suivante").first.click()
    expect(page.locator("#titre-resultats")).to_contain_text("page 2 sur")
    second = _tick(page, 1)
    expect(page.locator("#selection")).to_have_text(
        "2 ressources cochées pour la fiche d'orientation."
    )
    page.get_by_role("link", name="Page précédente").first.click()
    expect(page.locator(f"input[data-relais-choice][value='{first}']")).to_be_checked()
    expect(page.locator("#selection")).to_contain_text("2 ressources cochées")
    # The sheet lists both, the one of the other page included.
    page.get_by_role("button", name="Préparer la fiche d'orientation").click()
    expect(page.locator(".relais-sheet__entry")).to_have_count(2)
    page.get_by_role("link", name="Retour aux résultats").click()
    expect(page.locator(f"input[data-relais-choice][value='{first}']")).to_be_checked()
    expect(page.locator("#selection")).to_contain_text("2 ressources cochées")
    assert second in page.locator("#choix-autres-pages").inner_html()
    # Emptied, the selection stays empty on the other pages.
    page.get_by_role("button", name="Vider la sélection").click()
    page.get_by_role("link", name="Page suivante").first.click()
    expect(page.locator("input[data-relais-choice]:checked")).to_have_count(0)
    # "Effacer" starts over for a new person: nothing ticked comes back.
    page.goto(MANY)
    _tick(page, 0)
    page.get_by_role("link", name="Effacer").click()
    page.goto(MANY)
    expect(page.locator("input[data-relais-choice]:checked")).to_have_count(0)


def test_ticks_persist_across_pages_without_javascript(nojs_page):
    page = nojs_page
    page.goto(MANY)
    first = _tick(page, 0)
    page.get_by_role("button", name="Garder la sélection").click()
    page.get_by_role("link", name="Page suivante").first.click()
    second = _tick(page, 2)
    page.get_by_role("button", name="Préparer la fiche d'orientation").click()
    expect(page.locator(".relais-sheet__entry")).to_have_count(2)
    page.get_by_role("link", name="Retour aux résultats").click()
    expect(page.locator(f"input[data-relais-choice][value='{second}']")).to_be_checked()
    assert first in page.locator("#choix-autres-pages").inner_html()


def test_copy_buttons_and_sms_counter(browser, live_server):
    context = _context(browser, base_url=live_server)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        page.goto("/?commune=51000&code_commune=51108&thematiques=difficultes-financieres")
        card = page.locator(".relais-result").first
        phone = card.locator("a[href^='tel:']").first.inner_text()
        card.get_by_role("button", name=re.compile("Copier le numéro")).click()
        assert page.evaluate("navigator.clipboard.readText()") == phone
        card.get_by_role("button", name=re.compile("Copier l'adresse")).click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied and copied in card.inner_text()
        expect(card).to_contain_text("à vol d'oiseau")
        route = card.get_by_role("link", name="Itinéraire")
        expect(route).to_have_attribute(
            "href", re.compile(r"^https://www\.openstreetmap\.org/directions\?from=48\.9")
        )
        _tick(page, 0)
        _tick(page, 1)
        page.get_by_role("button", name="Préparer la fiche d'orientation").click()
        sms = page.get_by_label(re.compile("Texte du SMS"))
        text = sms.input_value()
        assert len(text) <= 306 and "’" not in text and "–" not in text
        count = page.locator("#sms-compte")
        expect(count).to_have_text(re.compile(r"^\d+ caractères, [12] SMS$"))
        sms.fill("Bonjour – à demain")  # a dash outside GSM-7: the counter says so
        expect(count).to_contain_text("caractères spéciaux")
        page.get_by_role("button", name="Copier le SMS").click()
        assert page.evaluate("navigator.clipboard.readText()") == "Bonjour – à demain"
    finally:
        context.close()


VIEWPORTS = {
    "1366x768": {"viewport": {"width": 1366, "height": 768}},
    # 200 % zoom on the same screen: half the CSS pixels, twice the device pixels.
    "1366x768-zoom200": {"viewport": {"width": 683, "height": 384}, "device_scale_factor": 2},
    "375": {
        "viewport": {"width": 375, "height": 812},
        "is_mobile": True,
        "has_touch": True,
    },
}


@pytest.mark.parametrize("name", sorted(VIEWPORTS))
def test_sticky_bar_never_hides_a_card(browser, live_server, name):
    context = _context(browser, base_url=live_server, **VIEWPORTS[name])
    page = context.new_page()
    try:
        page.goto(MANY)
        bar = page.locator("#barre-selection")
        boxes = page.locator("input[data-relais-choice]")
        assert boxes.count() >= 5
        for i in range(boxes.count()):
            # Keyboard focus scrolls the checkbox into view: it must not land under the bar.
            boxes.nth(i).focus()
            label = page.locator(f"label[for='{boxes.nth(i).get_attribute('id')}']")
            hidden = page.evaluate(
                """([label, bar]) => {
                    const l = label.getBoundingClientRect(), b = bar.getBoundingClientRect();
                    return l.bottom > b.top && l.top < b.bottom;
                }""",
                [label.element_handle(), bar.element_handle()],
            )
            assert not hidden, f"{name} : la barre cache la case {i + 1}"
        # Scrolled to the end, the last card rests above the bar.
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        last = page.locator(".relais-result").last
        assert last.bounding_box()["y"] + last.bounding_box()["height"] <= (
            bar.bounding_box()["y"] + 1
        )
        boxes.nth(2).focus()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"10-barre-{name}.png"))
        audit(page, f"résultats {name}")
    finally:
        context.close()


def test_no_answer_page_is_said_need_by_need_and_accessible(page):
    page.goto(
        "/?commune=51000&code_commune=51108&rayon_km=10"
        "&thematiques=creer-une-entreprise&thematiques=difficultes-financieres"
    )
    gap = page.locator(".relais-gap")
    expect(gap).to_have_count(1)
    expect(gap).to_contain_text(
        "Aucune ressource « Créer une entreprise » éligible pour Châlons-en-Champagne"
    )
    expect(page.locator(".relais-result").first).to_be_visible()  # the other need's answers
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # the sticky bar at rest
    screenshot(page, "11-sans-reponse")
    audit(page, "besoin sans réponse")
