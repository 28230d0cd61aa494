"""The department admin sets the hand-over's timers in the console, in a real browser: a
refused combination is explained next to its field, the page passes axe-core, then saved."""

from __future__ import annotations

from conftest import make_user
from playwright.sync_api import expect

from .conftest import audit, log_in, screenshot

PASSWORD = "mot de passe delais 51"


def test_the_admin_sets_the_timers_of_the_department(anonymous_page, browser_runtime):
    if browser_runtime.accounts.store.find_user_by_email("delais@cd51.example.fr") is None:
        make_user(
            browser_runtime, "delais@cd51.example.fr", role="admin_departemental", password=PASSWORD
        )
    page = anonymous_page
    log_in(page, "delais@cd51.example.fr", PASSWORD)
    page.goto("/console/51/")
    page.get_by_role("link", name="Délais", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Délais des orientations")
    expect(page.get_by_label("Expiration sans décision (jours)")).to_have_value("45")
    audit(page, "console, délais")

    page.get_by_label("Première relance d'une proposition non prise en charge (jours)").fill("30")
    page.get_by_label("Expiration sans décision (jours)").fill("20")
    page.get_by_role("button", name="Enregistrer les délais").click()
    expect(page.locator("#expiration_jours-erreur")).to_contain_text("après la première relance")
    expect(page.get_by_label("Expiration sans décision (jours)")).to_have_value("20")
    audit(page, "console, délais refusés")
    screenshot(page, "12-console-delais-refus")

    page.get_by_label("Expiration sans décision (jours)").fill("60")
    page.get_by_role("button", name="Enregistrer les délais").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Délais enregistrés")
    saved = browser_runtime.handovers.store.get_delais("51")
    assert (saved.relance_jours, saved.expiration_jours) == (30, 60)
    browser_runtime.handovers.store.save_delais(saved.__class__("51"))  # back to the defaults
