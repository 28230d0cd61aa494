"""The unmet-needs page in a real Chromium, with the service's strict CSP enforced: the DSFR
charts draw, the tables beside them hold the known figures masked below 5, the period form
works from the keyboard; a screenshot for the reviewer."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import make_user
from playwright.sync_api import expect

from accounts.models import Territory
from resource_base.needs_events import SearchEvent

from .conftest import _context, audit, log_in, screenshot

COORDINATOR = "coordinatrice@cd51.example.fr"
PASSWORD = "mot de passe coordination 51"
LOGEMENT = "logement-hebergement"
MOBILITE = "mobilite"
DETTE = "difficultes-financieres--situation-dendettement-surendettement"

# (month, territory, need, eligible results, searches)
EVENTS = [
    ("2026-01", "MDS Reims", LOGEMENT, 0, 14),
    ("2026-01", "MDS Reims", LOGEMENT, 12, 6),
    ("2026-02", "MDS Reims", LOGEMENT, 1, 9),
    ("2026-03", "MDS Reims", DETTE, 0, 7),
    ("2026-03", "MDS Châlons", MOBILITE, 2, 3),
    ("2026-02", "MDS Châlons", DETTE, 30, 11),
]


def _load(rt) -> None:
    rt.accounts.store.replace_territories(
        "51",
        [Territory(None, "51", "MDS Reims"), Territory(None, "51", "MDS Châlons")],
        {"51454": "MDS Reims", "51108": "MDS Châlons"},
    )
    ids = {t.nom: t.id for t in rt.accounts.store.list_territories("51")}
    for month, territory, need, found, times in EVENTS:
        for n in range(times):
            rt.needs_log.record(
                SearchEvent(
                    f"{month}-{n % 28 + 1:02d}",
                    "51",
                    ids[territory],
                    None,
                    (need,),
                    found,
                    {need: found},
                    "embedded",
                    "agence",
                )
            )


def test_unmet_needs_page_with_charts_under_the_strict_csp(browser, live_server, browser_runtime):
    make_user(browser_runtime, COORDINATOR, role="coordinateur", password=PASSWORD)
    _load(browser_runtime)
    context = _context(browser, base_url=live_server, bypass_csp=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    messages: list[str] = []
    errors: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        log_in(page, COORDINATOR, PASSWORD)
        page.get_by_role("link", name="Besoins non couverts").click()
        expect(page).to_have_url(re.compile(r"/besoins/51$"))
        # The period from the keyboard: type the months, Enter submits.
        start = page.get_by_label("Du mois")
        start.focus()
        start.fill("2026-01")
        page.get_by_label("Au mois (inclus)").fill("2026-03")
        page.get_by_label("Au mois (inclus)").press("Enter")
        expect(page).to_have_url(re.compile(r"debut=2026-01&fin=2026-03"))
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Besoins non couverts – département 51"
        )
        # Both charts draw (a canvas each) with the CSP in force.
        expect(page.locator("bar-chart canvas")).to_have_count(1)
        expect(page.locator("line-chart canvas")).to_have_count(1)
        ranking = page.locator("#table-classement tbody tr")
        expect(ranking.nth(0)).to_contain_text("Logement et hébergement")
        expect(ranking.nth(0).locator("td")).to_have_text(["1", "29", "14", "23", "79 %", "< 5"])
        expect(ranking.nth(1)).to_contain_text("Situation d’endettement ou de surendettement")
        expect(ranking.nth(1).locator("td")).to_have_text(["2", "18", "7", "7", "39 %", "< 5"])
        expect(ranking.nth(2)).to_contain_text("Mobilité")
        expect(ranking.nth(2).locator("td")).to_have_text(["3", "< 5", "< 5", "< 5", "—", "< 5"])
        trend = page.locator("#table-tendance tbody tr")
        expect(trend).to_have_count(3)
        expect(trend.nth(2)).to_have_text(re.compile(r"mars 2026\s*10\s*7\s*10\s*100 %"))
        page.wait_for_timeout(800)  # the charts' entry animation
        screenshot(page, "40-besoins-non-couverts")
        # The CSV link is reachable and gives the same masked figures.
        with page.expect_download() as download:
            page.get_by_role("link", name=re.compile("Télécharger les chiffres")).click()
        body = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert "MDS Châlons;mobilite;Mobilité;< 5;< 5;< 5;—" in body
    finally:
        context.close()
    violations = [m for m in messages if "Content Security Policy" in m]
    assert not violations, violations
    assert not errors, errors


def test_unmet_needs_page_accessibility(browser, live_server, browser_runtime):
    make_user(browser_runtime, COORDINATOR, role="coordinateur", password=PASSWORD)
    _load(browser_runtime)
    context = _context(browser, base_url=live_server)
    page = context.new_page()
    try:
        log_in(page, COORDINATOR, PASSWORD)
        page.goto("/besoins/51?debut=2026-01&fin=2026-03")
        expect(page.locator("bar-chart canvas")).to_have_count(1)
        audit(page, "besoins non couverts")
    finally:
        context.close()
