"""The délais dashboard in real Chromium, under the real Content-Security-Policy: the DSFR
charts draw from their attributes, the tables carry the same figures, the filters and the CSV
link work, no serious accessibility violation; a screenshot for review."""

from __future__ import annotations

import re

import pytest
from conftest import make_user
from dashboard_data import TODAY, load
from playwright.sync_api import expect

from handover.dashboard import DashboardService
from persistence.handover_stats import SqlHandOverStats

from .conftest import _context, audit, log_in, screenshot

EMAIL = "admin@cd51.example.fr"
PASSWORD = "mot-de-passe-admin-51"


@pytest.fixture
def dashboard_runtime(browser_runtime):
    """The known set of hand-overs, counted on 30 November 2026 (``dashboard_data``)."""
    load(browser_runtime.database)
    make_user(browser_runtime, EMAIL, "admin_departemental", "51", password=PASSWORD)
    browser_runtime.handover_dashboard = DashboardService(
        SqlHandOverStats(browser_runtime.database), today=lambda: TODAY
    )
    yield browser_runtime
    del browser_runtime.handover_dashboard  # the next use builds the real one again


def test_the_dashboard_draws_its_charts_under_the_csp(browser, live_server, dashboard_runtime):
    context = _context(browser, base_url=live_server, bypass_csp=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    try:
        log_in(page, EMAIL, PASSWORD)
        page.goto("/accompagnements/tableau-de-bord")
        expect(page.locator("#propositions")).to_have_text("7")
        expect(page.locator("#taux-entree")).to_have_text("57\u00a0%")
        # The web component has drawn a canvas (Chart.js) from the attributes.
        for chart in ("#graphique-delais", "#graphique-entrees"):
            page.wait_for_function(
                """(selector) => {
                    const el = document.querySelector(selector);
                    const root = el && (el.shadowRoot || el);
                    const canvas = root && root.querySelector("canvas");
                    return canvas && canvas.width > 0 && canvas.height > 0;
                }""",
                arg=chart,
            )
        table = page.locator("#table-delais")
        expect(table.get_by_role("row", name=re.compile("Proposition → entrée"))).to_contain_text(
            "26,0"
        )
        page.wait_for_timeout(1500)  # Chart.js grows the bars for a second: not mid-way
        screenshot(page, "20-tableau-de-bord-delais")
        assert not problems, f"Erreurs dans la console (CSP ?) : {problems}"

        # Filters: axe 3, per month; the figures follow.
        page.get_by_label("Axe").select_option("3")
        page.get_by_label("Regrouper par").select_option("mois")
        page.get_by_role("button", name="Afficher").click()
        expect(page).to_have_url(re.compile(r"axe=3"))
        expect(page.locator("#propositions")).to_have_text("2")
        expect(page.locator("#table-groupes")).to_contain_text("août 2026")

        with page.expect_download() as download:
            page.get_by_role("link", name="Exporter en CSV").click()
        content = download.value.path().read_text(encoding="utf-8-sig")
        assert content.splitlines()[-1].startswith("total;Ensemble;2;0;")
    finally:
        context.close()


def test_the_dashboard_has_no_serious_accessibility_violation(
    browser, live_server, dashboard_runtime
):
    context = _context(browser, base_url=live_server)  # axe-core is injected inline
    page = context.new_page()
    try:
        log_in(page, EMAIL, PASSWORD)
        page.goto("/accompagnements/tableau-de-bord")
        expect(page.locator("#propositions")).to_have_text("7")
        audit(page, "tableau de bord des délais")
    finally:
        context.close()
