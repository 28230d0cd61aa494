"""People and access in a real browser: local login, ProConnect round trip against the real
provider process, logout, CSRF refusal, another department's console, an admin's upload and
its rejects, and an anonymous visitor who cannot reach a professionals-only resource."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from conftest import make_user, make_widget
from oidc_support import set_identity
from playwright.sync_api import expect

from .conftest import ADVISER_EMAIL, PRO_RESOURCE, audit, load_marne, log_in, screenshot

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "import"
ADMIN_PASSWORD = "mot de passe admin 51"


def test_local_login_then_logout(anonymous_page, adviser_account):
    page = anonymous_page
    page.goto("/?code_commune=51108&q=loyer")
    expect(page).to_have_url(re.compile(r"/connexion\?suivant=/$"))  # q never in the redirect
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter à Relais")
    audit(page, "page de connexion")
    screenshot(page, "10-connexion")
    page.get_by_label("Adresse électronique").fill(ADVISER_EMAIL)
    page.get_by_label("Mot de passe").fill("pas le bon mot de passe")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("#erreur-connexion")).to_contain_text("incorrect")
    log_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Trouver une ressource sociale")
    expect(page.locator("header")).to_contain_text("Conseiller France Travail")
    page.get_by_role("button", name="Se déconnecter").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vous êtes déconnecté")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/connexion"))


def test_proconnect_round_trip_against_the_provider(anonymous_page, browser_runtime, oidc_provider):
    make_user(browser_runtime, "agent.pc@ft51.example.fr")
    set_identity(oidc_provider, "pc-agent-51", {"email": "agent.pc@ft51.example.fr"})
    page = anonymous_page
    page.goto("/connexion")
    page.get_by_role("link", name="S'identifier avec ProConnect").click()
    expect(page).to_have_url(re.compile(re.escape(oidc_provider) + r"/oauth2/authorize"))
    page.locator("input[name=sub]").fill("pc-agent-51")
    page.locator("button[type=submit][value=authorize], button[type=submit]").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trouver une ressource sociale")
    user = browser_runtime.accounts.store.find_user_by_email("agent.pc@ft51.example.fr")
    assert user.oidc_subject == "pc-agent-51"
    # Logout goes through the provider's end-session endpoint, then back to Relais.
    page.get_by_role("button", name="Se déconnecter").first.click()
    expect(page).to_have_url(re.compile(re.escape(oidc_provider) + r"/oauth2/end_session"))
    page.locator("button[type=submit]").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vous êtes déconnecté")
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/connexion"))


def test_a_form_without_its_csrf_token_is_refused(page):
    page.goto("/ressources/marne--pcb-chalons")
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    page.get_by_role("button", name="Fiche d'orientation pour cette ressource").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Requête incorrecte")
    expect(page.locator("main")).to_contain_text("Ce formulaire a expiré")


def test_a_cd_user_of_51_is_refused_on_the_console_of_52(anonymous_page, browser_runtime):
    make_user(
        browser_runtime,
        "admin@cd51.example.fr",
        role="admin_departemental",
        password=ADMIN_PASSWORD,
    )
    page = anonymous_page
    log_in(page, "admin@cd51.example.fr", ADMIN_PASSWORD)
    response = page.goto("/console/52/membres")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    assert page.goto("/console/51/membres").status == 200


def _mixed_csv(path: Path) -> Path:
    rows = list(
        csv.reader(io.StringIO((FIXTURES / "valide.csv").read_text("utf-8-sig")), delimiter=";")
    )
    header, bad = rows[0], list(rows[-1])
    bad[header.index("id")] = "ligne-fautive"
    bad[header.index("courriel")] = "pas-une-adresse"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows([*rows, bad])
    return path


def test_an_admin_uploads_a_file_and_reads_its_rejects(anonymous_page, browser_runtime, tmp_path):
    make_user(
        browser_runtime,
        "admin@cd51.example.fr",
        role="admin_departemental",
        password=ADMIN_PASSWORD,
    )
    page = anonymous_page
    log_in(page, "admin@cd51.example.fr", ADMIN_PASSWORD)
    page.get_by_role("link", name="Console du département").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Console du département 51")
    audit(page, "console")
    page.get_by_role("link", name="Ressources", exact=True).click()
    page.get_by_label(re.compile("Fichier des ressources")).set_input_files(
        str(_mixed_csv(tmp_path / "ressources-51.csv"))
    )
    # Keyboard only: focus the submit button and press Enter.
    page.get_by_role("button", name="Importer").focus()
    page.keyboard.press("Enter")
    # The import runs in the background: its page follows it, then shows the report.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Import du fichier")
    expect(page.locator("#resume-import")).to_contain_text("1 ligne rejetée", timeout=30_000)
    rejects = page.locator("#table-rejets")
    expect(rejects).to_contain_text("courriel")
    screenshot(page, "11-console-rejets")
    audit(page, "console, rejets d'import")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger les rejets (CSV)").click()
    assert "pas-une-adresse" in Path(download.value.path()).read_text(encoding="utf-8-sig")
    page.get_by_role("link", name="Retour aux ressources du département").click()
    expect(page.locator("#historique-imports")).to_contain_text("ressources-51.csv")
    # Leave the store as the other tests expect it: the Marne data set alone.
    browser_runtime.store.replace(
        "source", "cd51", [], {"fichiers": []}, writers=browser_runtime.store_writers()
    )
    load_marne(browser_runtime)


def test_an_anonymous_visitor_cannot_see_a_professionals_only_resource(
    anonymous_page, live_server, browser_runtime
):
    assert browser_runtime.engine.get(PRO_RESOURCE) is not None  # it exists
    page = anonymous_page
    assert page.goto(f"/ressources/{PRO_RESOURCE}").status == 404
    expect(page.locator("main")).not_to_contain_text("réservée aux professionnels")
    page.goto(f"/orientation?ids={PRO_RESOURCE}")
    expect(page).to_have_url(re.compile(r"/connexion"))
    _config, token = make_widget(browser_runtime)
    page.goto(f"/widget/{token}?commune=51000")
    expect(page.locator(".relais-widget__item").first).to_be_visible()
    expect(page.locator("main, body").first).not_to_contain_text("Cellule d'appui")
    api = page.request.get(f"{live_server}/api/v1/resources/{PRO_RESOURCE}")
    assert api.status == 404
    search = page.request.get(f"{live_server}/api/v1/search?code_commune=51108&size=100")
    assert PRO_RESOURCE not in {item["id"] for item in search.json()["items"]}


def test_professionals_see_it_once_logged_in(page, browser_runtime):
    assert browser_runtime.engine.get(PRO_RESOURCE) is not None
    response = page.goto(f"/ressources/{PRO_RESOURCE}")
    assert response.status == 200
    assert response.headers["cache-control"] == "private, no-store"
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cellule d'appui")


# The longest names a header shows: the person's name (or address) beside every link of the
# role. Roles in the order of the README's table; ``admin_national`` has "Consoles des
# départements" (→ /console/).
HEADER_ROLES = [
    ("conseiller", "51", "AG51"),
    ("conseiller_ag", "51", "AG51"),
    ("travailleur_social", "51", None),
    ("coordinateur", "51", None),
    ("admin_departemental", "51", None),
    ("admin_national", None, None),
]


@pytest.mark.parametrize(("role", "departement", "agence"), HEADER_ROLES)
def test_the_header_fits_1280_px_for_every_role(
    anonymous_page, browser_runtime, role, departement, agence
):
    browser_runtime.accounts.set_departement(None, "51", True)
    email = f"{role.replace('_', '.')}@departement-51.example.fr"
    browser_runtime.accounts.create_user(
        None, email, role, departement, agence, ADMIN_PASSWORD, "Marie-Christine Dupont-Lefebvre"
    )
    page = anonymous_page
    assert page.viewport_size["width"] == 1280
    log_in(page, email, ADMIN_PASSWORD)
    expect(page.locator("#relais-personne")).to_be_visible()
    if role == "admin_national":
        expect(page.get_by_role("link", name="Consoles des départements")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"{role} : la page mesure {width} px de large"
    outside = page.evaluate(
        """() => [...document.querySelectorAll(
                "header .fr-header__tools-links :is(a, button, #relais-personne)")]
            .map(e => [e.textContent.trim(), e.getBoundingClientRect()])
            .filter(([, r]) => r.width > 0 && (r.left < 0 || r.right > window.innerWidth))
            .map(([text, r]) => `${text} [${Math.round(r.left)}, ${Math.round(r.right)}]`)"""
    )
    assert outside == [], f"{role} : liens de l'en-tête hors de l'écran : {outside}"
    screenshot(page, f"12-en-tete-{role.replace('_', '-')}")
