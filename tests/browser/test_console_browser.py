"""In a real browser: a large console import followed live (rows read, accepted, rejected) to
its report; the audit log and history in French; an adviser's agence records (and another
agence refused)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import make_user
from playwright.sync_api import expect

from resource_base.orientation import OrientationEvent

from .conftest import audit, load_marne, log_in, screenshot

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "import"
ADMIN_PASSWORD = "mot de passe admin 51"
ROWS = 30_000


def _large_csv(path: Path, rows: int) -> Path:
    lines = (FIXTURES / "valide.csv").read_text("utf-8-sig").splitlines()
    header, first = lines[0], lines[1].split(";")
    courriel = header.split(";").index("courriel")
    with path.open("w", encoding="utf-8") as out:
        out.write(header + "\n")
        for n in range(rows):
            first[0] = f"gros-{n}"
            out.write(";".join(first) + "\n")
        bad = list(first)
        bad[0], bad[courriel] = "gros-faux", "pas-une-adresse"
        out.write(";".join(bad) + "\n")
    return path


def test_a_large_import_is_followed_live_then_reported(anonymous_page, browser_runtime, tmp_path):
    make_user(
        browser_runtime,
        "admin@cd51.example.fr",
        role="admin_departemental",
        password=ADMIN_PASSWORD,
    )
    page = anonymous_page
    log_in(page, "admin@cd51.example.fr", ADMIN_PASSWORD)
    page.goto("/console/51/ressources")
    page.get_by_label(re.compile("Fichier des ressources")).set_input_files(
        str(_large_csv(tmp_path / "gros-51.csv", ROWS))
    )
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import du fichier « gros-51.csv »")
    counts = page.locator("#import-compteurs")
    if counts.count():  # still running: the counters move without a reload
        expect(counts).to_contain_text("lignes lues")
        audit(page, "import en cours")
        screenshot(page, "20-import-en-cours")
    summary = page.locator("#resume-import")
    expect(summary).to_contain_text("30\u202f000 lignes acceptées", timeout=180_000)
    expect(summary).to_contain_text("1 ligne rejetée")
    expect(page.locator("#table-rejets")).to_contain_text("courriel")
    audit(page, "import terminé")
    screenshot(page, "21-import-termine")
    page.get_by_role("link", name="Retour aux ressources du département").click()
    history = page.locator("#historique-imports")
    expect(history).to_contain_text("gros-51.csv")
    expect(history).not_to_contain_text('["')
    expect(history.locator("tbody tr").first).to_contain_text(re.compile(r"20\d\d à \d+ h \d\d"))
    page.get_by_role("link", name="Journal d'audit").click()
    journal = page.locator("#journal")
    expect(journal).to_contain_text("Import de ressources")
    expect(journal).to_contain_text("Département 51")
    expect(journal).not_to_contain_text("import_ressources")
    audit(page, "journal d'audit")
    screenshot(page, "22-journal-audit")
    # Leave the store as the other tests expect it: the Marne data set alone.
    browser_runtime.store.replace(
        "source", "cd51", [], {"fichiers": []}, writers=browser_runtime.store_writers()
    )
    load_marne(browser_runtime)


def test_an_adviser_reads_the_orientations_of_their_agence(page, browser_runtime):
    browser_runtime.accounts.ensure_agence("AG52", "52")
    log = browser_runtime.orientation_log
    log.record(
        OrientationEvent(
            "51", "51108", ("mobilite", "sante"), ("marne--pcb-chalons",), agence="AG51"
        )
    )
    log.record(OrientationEvent("52", "52121", ("sante",), ("marne--pcb-chalons",), agence="AG52"))
    page.goto("/")
    page.get_by_role("link", name="Orientations de l'agence").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Orientations de l'agence")
    table = page.locator("#orientations")
    expect(table).to_contain_text("Châlons-en-Champagne (51108)")
    expect(table).to_contain_text("Mobilité")
    expect(table).not_to_contain_text("52121")
    audit(page, "orientations de l'agence")
    screenshot(page, "23-orientations-agence")
    assert page.goto("/agences/AG52/orientations").status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
