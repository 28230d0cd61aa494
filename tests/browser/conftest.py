"""A real headless Chromium (Debian's /usr/bin/chromium) driving the app served on loopback.

Never skipped: without Chromium the tests fail and say how to install it (scripts/setup).
"""

from __future__ import annotations

import re
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import make_user
from playwright.sync_api import expect
from werkzeug.serving import make_server

from relais import settings as settings_module
from relais.runtime import Runtime

from .marne import resources

ROOT = Path(__file__).resolve().parents[2]
PRO_RESOURCE = "marne--reserve-pro"
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_runtime(tmp_path_factory, directory) -> Runtime:
    """A runtime on the embedded engine, loaded with a few dozen resources of the Marne."""
    data_dir = tmp_path_factory.mktemp("browser")
    rt = Runtime(
        settings_module.load(
            # Plain HTTP on loopback: the session cookie cannot be Secure here.
            {"DATA_DIR": str(data_dir), "SEARCH_ENGINE": "embedded", "COOKIE_SECURE": False}
        )
    )
    rt.directory = directory
    load_marne(rt)
    return rt


def load_marne(rt: Runtime) -> None:
    """The Marne data set, plus one professionals-only resource for the visibility tests."""
    items = resources()
    items.append(
        replace(
            items[0],
            id=PRO_RESOURCE,
            source_id="reserve-pro",
            nom="Cellule d'appui réservée aux professionnels",
            visibilite="professionnels",
        )
    )
    rt.store.replace(
        "departement", "51", items, {"fichiers": ["marne.py"]}, writers=rt.store_writers()
    )


@pytest.fixture(scope="session")
def live_server(browser_runtime, oidc_provider):
    """The whole app (API and web UI) served by werkzeug in a thread: yields its base URL.
    ProConnect points at the real provider process of the test run."""
    from oidc_support import proconnect_settings

    from relais.app import create_app

    app = create_app(
        {
            "TESTING": True,
            "RELAIS_RUNTIME": browser_runtime,
            **proconnect_settings(oidc_provider),
            # Every test logs in from 127.0.0.1: throttling has its own tests.
            "LOGIN_RATE_LIMIT": "1000 per minute",
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium est introuvable ({CHROMIUM}) : les tests navigateur en ont besoin. "
            "Installez-le avec scripts/setup (paquet Debian « chromium »)."
        )
    if not AXE.exists():
        pytest.fail(f"axe-core est introuvable ({AXE}) : lancez scripts/setup (npm).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _context(browser, **options):
    defaults = {
        # axe-core is injected as an inline script: the audit needs the CSP bypassed. The
        # policy itself is enforced in test_security_headers_hold_in_the_browser.
        "bypass_csp": True,
        "locale": "fr-FR",
        "timezone_id": "Europe/Paris",
        "viewport": {"width": 1280, "height": 900},
    }
    defaults.update(options)
    return browser.new_context(**defaults)


ADVISER_EMAIL = "conseillere@ft51.example.fr"
ADVISER_PASSWORD = "mot-de-passe-de-test-51"


@pytest.fixture
def adviser_account(browser_runtime):
    """A France Travail adviser of the Marne with a local password (store emptied per test)."""
    return make_user(browser_runtime, ADVISER_EMAIL, password=ADVISER_PASSWORD)


def log_in(page, email: str = ADVISER_EMAIL, password: str = ADVISER_PASSWORD) -> None:
    """Through the login form, as a person does."""
    page.goto("/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).not_to_have_url(re.compile(r"/connexion"))


@pytest.fixture
def anonymous_page(browser, live_server):
    context = _context(browser, base_url=live_server)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"Erreurs JavaScript : {errors}"


@pytest.fixture
def page(anonymous_page, adviser_account):
    """A page whose session belongs to a logged-in adviser."""
    log_in(anonymous_page)
    return anonymous_page


@pytest.fixture
def nojs_page(browser, live_server, adviser_account):
    context = _context(browser, base_url=live_server, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page)
    yield page
    context.close()


@pytest.fixture
def narrow_page(browser, live_server, adviser_account):
    context = _context(
        browser,
        base_url=live_server,
        viewport={"width": 375, "height": 812},
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page)
    yield page
    context.close()


def screenshot(page, name: str, **options) -> Path:
    """Save a screenshot for reviewers in test-artifacts/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, **options)
    return path


def audit(page, label: str) -> None:
    """Run axe-core in the page: no violation of impact serious or critical."""
    page.add_script_tag(path=str(AXE))
    report = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " — " + n.failureSummary),
            }));
        }"""
    )
    serious = [v for v in report if v["impact"] in ("serious", "critical")]
    details = "\n".join(
        f"- [{v['impact']}] {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in serious
    )
    assert not serious, f"Violations d'accessibilité ({label}) :\n{details}"
