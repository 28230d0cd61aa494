"""The adviser's path in a real browser: search, open a resource, orient, print; without
JavaScript too; and an accessibility audit (axe-core) of each main page."""

from __future__ import annotations

import re

from conftest import make_widget
from playwright.sync_api import expect

from .conftest import SCREENSHOTS, audit, screenshot


def _pick_chalons(page) -> None:
    commune = page.get_by_role("combobox", name=re.compile("Commune de la personne"))
    commune.press_sequentially("chal", delay=30)
    option = page.get_by_role("option", name=re.compile("^Châlons-en-Champagne"))
    expect(option).to_be_visible()
    # Keyboard only: down the list to Châlons-en-Champagne, then Enter.
    target = option.get_attribute("id")
    for _ in range(page.get_by_role("option").count()):
        commune.press("ArrowDown")
        if commune.get_attribute("aria-activedescendant") == target:
            break
    expect(option).to_have_attribute("aria-selected", "true")
    commune.press("Enter")
    expect(commune).to_have_value("Châlons-en-Champagne (51000, Marne)")
    expect(page.locator("#code_commune")).to_have_value("51108")
    expect(page.locator("input[name=departement]").first).to_have_value("51")


def test_search_page_is_accessible(page):
    page.goto("/")
    expect(page).to_have_title(re.compile("Recherche – Relais"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Trouver une ressource sociale")
    screenshot(page, "01-recherche")
    audit(page, "page de recherche")


def test_search_open_resource_orient_and_print(page, browser_runtime):
    page.goto("/")
    _pick_chalons(page)
    page.locator("summary", has_text="Difficultés financières").click()
    page.get_by_text("Tout : difficultés financières").click()
    page.locator("summary", has_text="Équipement et alimentation").click()
    page.get_by_text("Alimentation", exact=True).click()
    page.get_by_role("button", name="Rechercher").click()

    count = page.locator("#nombre-resultats")
    expect(count).to_contain_text("pour Châlons-en-Champagne, Marne (51)")
    expect(count).to_contain_text("Difficultés financières")
    cards = page.locator(".relais-result")
    expect(cards.first).to_be_visible()
    assert cards.count() >= 3
    expect(page.locator(".relais-result").first).to_contain_text("Pourquoi")
    expect(page.get_by_role("link", name="Écoute dettes par téléphone")).to_be_visible()
    # The facets count resources per need nearby, and link to a refined search.
    expect(page.locator(".relais-facettes a", has_text="Logement et hébergement")).to_be_visible()
    # Scrolled to the end, the sticky selection bar rests under the list in the screenshot.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    screenshot(page, "02-resultats")
    audit(page, "page de résultats")

    # Open a resource, then come back to the same results.
    results_url = page.url
    page.locator(".relais-result h3 a").first.click()
    expect(page.get_by_role("heading", level=2, name="Contacts")).to_be_visible()
    expect(page.locator("#contacts + dl a[href^='tel:']")).to_be_visible()
    screenshot(page, "03-ressource")
    audit(page, "fiche d'une ressource")
    page.go_back()
    assert page.url == results_url
    expect(page.locator("#code_commune")).to_have_value("51108")

    # Tick two resources: the live count follows; then the orientation sheet.
    boxes = page.locator("input[data-relais-choice]")
    names = [page.locator(".relais-result h3").nth(i).inner_text() for i in (0, 1)]
    for i in (0, 1):
        page.locator(f"label[for='{boxes.nth(i).get_attribute('id')}']").click()
    expect(boxes.nth(0)).to_be_checked()
    expect(page.locator("#selection")).to_have_text(
        "2 ressources cochées pour la fiche d'orientation."
    )
    page.get_by_role("button", name="Préparer la fiche d'orientation").click()
    expect(page).to_have_url(re.compile(r"/orientation\?ids="))
    entries = page.locator(".relais-sheet__entry")
    expect(entries).to_have_count(2)
    for name in names:
        expect(page.locator(".relais-sheet")).to_contain_text(name)
    expect(page.locator(".relais-sheet svg.relais-qr")).to_have_count(2)
    message = page.get_by_label(re.compile("Texte du courriel"))
    expect(message).to_have_value(re.compile(re.escape(names[0])))
    expect(page.get_by_role("button", name="Imprimer la fiche")).to_be_visible()
    expect(page.get_by_role("button", name="Copier le texte")).to_be_visible()
    screenshot(page, "04-fiche-orientation")
    audit(page, "fiche d'orientation")

    # The anonymous event: the commune of the search, the needs, the two resources.
    event = browser_runtime.orientation_log.events(limit=1)[0]
    assert event.code_commune == "51108" and event.departement == "51"
    assert set(event.thematiques) == {
        "difficultes-financieres",
        "equipement-et-alimentation--alimentation",
    }
    assert len(event.ressources) == 2

    # Print preview: the sheet alone, on one A4 page.
    page.emulate_media(media="print")
    expect(page.locator("header.fr-header")).to_be_hidden()
    expect(page.locator("footer.fr-footer")).to_be_hidden()
    expect(page.locator(".relais-sheet-tools")).to_be_hidden()
    expect(page.locator(".relais-message")).to_be_hidden()
    expect(page.get_by_role("button", name="Imprimer la fiche")).to_be_hidden()
    expect(entries.nth(1)).to_be_visible()
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    screenshot(page, "05-fiche-impression")
    pdf = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    (SCREENSHOTS / "05-fiche-impression.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 1, f"La fiche imprimée fait {pages} pages au lieu d'une."


def test_without_javascript(nojs_page, browser_runtime):
    page = nojs_page
    page.goto("/")
    page.get_by_label(re.compile("Commune de la personne")).fill("51000")
    page.locator("summary", has_text="Mobilité").click()  # <details> opens without JS
    page.get_by_text("Tout : mobilité").click()
    page.get_by_label(re.compile("Distance maximale")).select_option("50")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.locator("#nombre-resultats")).to_contain_text(
        "pour Châlons-en-Champagne, Marne (51)"
    )
    expect(page.get_by_label(re.compile("Commune de la personne"))).to_have_value(
        "Châlons-en-Champagne (51000, Marne)"
    )
    first = page.locator(".relais-result h3").first.inner_text()
    page.locator("label[for='choix-1']").click()
    before = len(browser_runtime.orientation_log.events())
    page.get_by_role("button", name="Préparer la fiche d'orientation").click()
    expect(page.locator(".relais-sheet__entry")).to_have_count(1)
    expect(page.locator(".relais-sheet")).to_contain_text(first)
    # The print and copy buttons need JavaScript: hidden; the hint says how to print.
    expect(page.get_by_role("button", name="Imprimer la fiche")).to_be_hidden()
    expect(page.get_by_text("Ctrl+P")).to_be_visible()
    assert len(browser_runtime.orientation_log.events()) == before + 1
    # Reloading the sheet records nothing more (POST, then redirect).
    page.reload()
    assert len(browser_runtime.orientation_log.events()) == before + 1
    screenshot(page, "06-sans-javascript-fiche")


def test_errors_are_shown_next_to_the_field(page):
    page.goto("/?commune=zzzz&rayon_km=30")
    commune = page.get_by_role("combobox", name=re.compile("Commune de la personne"))
    expect(commune).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#commune-messages")).to_contain_text("Aucune commune ne correspond")
    expect(page).to_have_title(re.compile("^Erreur"))
    screenshot(page, "07-erreur-commune")
    audit(page, "page de recherche en erreur")


def test_narrow_screen(narrow_page):
    page = narrow_page
    page.goto("/?commune=51000&thematiques=difficultes-financieres&rayon_km=30")
    expect(page.locator(".relais-result").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"La page déborde de {overflow} px sur un écran de 375 px."
    screenshot(page, "08-mobile-page")
    page.locator("#resultats").scroll_into_view_if_needed()
    page.locator("#resultats").screenshot(path=str(SCREENSHOTS / "08-mobile-resultats.png"))


def test_widget(page, browser_runtime):
    _config, token = make_widget(browser_runtime)
    page.goto(f"/widget/{token}?commune=Reims&thematiques=numerique")
    expect(page.locator(".relais-widget__item").first).to_be_visible()
    expect(page.locator("header.fr-header")).to_have_count(0)
    screenshot(page, "09-widget")
    audit(page, "widget")


def test_unknown_page_is_html(page):
    response = page.goto("/nulle-part")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page non trouvée")
    audit(page, "page 404")


def test_postal_code_of_several_communes_lets_the_adviser_choose(page, browser_runtime):
    page.goto("/")
    commune = page.get_by_role("combobox", name=re.compile("Commune de la personne"))
    commune.press_sequentially("51300", delay=30)
    # The suggestions list the communes of the postal code, department named.
    first = page.get_by_role("option").first
    expect(first).to_contain_text("Vitry-le-François (51300, Marne)")
    commune.press("Escape")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("heading", name="Choisissez la commune de la personne")).to_be_visible()
    expect(page.locator("#choix-commune")).to_contain_text("Le code postal 51300 couvre")
    expect(page.locator("#nombre-resultats")).to_have_count(0)  # no guess
    screenshot(page, "10-choix-commune")
    audit(page, "choix de la commune")
    page.locator(".relais-commune-choices").get_by_role("link", name="Frignicourt").click()
    expect(page.locator("#nombre-resultats")).to_contain_text("pour Frignicourt, Marne (51)")
    expect(commune).to_have_value("Frignicourt (51300, Marne)")


def test_typo_in_the_commune_and_the_free_text(page, browser_runtime):
    page.goto("/?commune=Chaalons&q=surendetement")
    expect(page.locator("#nombre-resultats")).to_contain_text("pour Châlons-en-Champagne")
    expect(page.locator("#texte-compris")).to_contain_text("Résultats pour « surendettement »")
    screenshot(page, "11-fautes-corrigees")
