"""The widget for intranets in real Chromium, with the Content-Security-Policy enforced:
an intranet page served from a second local origin (allowed) frames it, grows it as the
widget asks (suggestions never cut: bounding boxes measured) and prints a sheet inside the
frame; a page of a third origin is refused by the browser; a revoked token stops at once;
the console shows the snippets and a live preview. Screenshots in test-artifacts/."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import make_user, make_widget
from playwright.sync_api import expect

from web.widget.services import IFRAME_HEIGHT, iframe_snippet, resize_snippet

from .conftest import _context, audit, log_in, screenshot

INTRANET_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Intranet de l'agence</title></head>
<body style="margin:0;font-family:sans-serif">
<h1 style="margin:16px">Intranet de l'agence de Châlons</h1>
{iframe}
{script}
<p style="margin:16px" id="pied">Pied de page de l'intranet</p>
</body></html>"""


class _Pages(BaseHTTPRequestHandler):
    pages: dict[str, str] = {}

    def do_GET(self):  # noqa: N802 (http.server's name)
        body = self.pages.get(self.path.split("?")[0], "introuvable").encode()
        self.send_response(200 if self.path.split("?")[0] in self.pages else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def intranets():
    """Two intranet servers on loopback: (allowed origin, refused origin), and their pages."""
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _Pages) for _ in range(2)]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    # Two origins unlike the app's (http://127.0.0.1:<port>): another host name, another port.
    allowed = f"http://localhost:{servers[0].server_port}"
    refused = f"http://127.0.0.1:{servers[1].server_port}"
    try:
        yield allowed, refused, _Pages.pages
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


@pytest.fixture
def csp_page(browser, live_server):
    """An anonymous page with the Content-Security-Policy enforced (never bypassed here)."""
    context = _context(browser, base_url=live_server, bypass_csp=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"Erreurs JavaScript : {errors}"


def _publish(pages, live_server, token, config, path="/intranet.html", resize=True):
    url = f"{live_server}/widget/{token}"
    pages[path] = INTRANET_PAGE.format(
        iframe=iframe_snippet(url, config), script=resize_snippet(live_server) if resize else ""
    )
    return path


def _screenshot(page, name: str) -> None:
    """The whole host page at once: a viewport as tall as the page, since Chromium paints a
    cross-origin frame only where the viewport shows it (a full-page capture would not)."""
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": 1280, "height": max(900, height)})
    page.wait_for_timeout(300)  # the frame repaints at its new visible size
    screenshot(page, name)
    page.set_viewport_size({"width": 1280, "height": 900})


def _frame_height(page) -> float:
    return page.locator("#relais-widget").bounding_box()["height"]


def _widget_frame(page):
    return next(f for f in page.frames if "/widget/" in f.url)


def test_an_allowed_intranet_frames_the_widget_and_grows_it_for_the_suggestions(
    csp_page, live_server, browser_runtime, intranets
):
    allowed, _refused, pages = intranets
    config, token = make_widget(browser_runtime, origins=(allowed,))
    page = csp_page
    page.goto(allowed + _publish(pages, live_server, token, config))
    frame = page.frame_locator("#relais-widget")
    expect(frame.get_by_role("heading", level=1)).to_contain_text("Trouver une ressource sociale")
    # The widget told the host its height: the frame fits the form, not the snippet's 560 px.
    page.wait_for_function(
        f"document.getElementById('relais-widget').getBoundingClientRect().height != {IFRAME_HEIGHT}"
    )
    before = _frame_height(page)

    commune = frame.get_by_role("combobox", name=re.compile("Commune"))
    commune.press_sequentially("chal", delay=30)
    options = frame.get_by_role("option")
    expect(options.first).to_be_visible()
    assert options.count() >= 3
    # The frame grows until the list's last option is inside it.
    last = options.last
    page.wait_for_function(
        f"document.getElementById('relais-widget').getBoundingClientRect().height > {before}"
    )
    box = page.locator("#relais-widget").bounding_box()
    listbox = frame.get_by_role("listbox").bounding_box()
    assert listbox["y"] >= box["y"] and listbox["x"] >= box["x"]
    assert listbox["y"] + listbox["height"] <= box["y"] + box["height"] + 0.5
    assert listbox["x"] + listbox["width"] <= box["x"] + box["width"] + 0.5
    for i in range(options.count()):
        option = options.nth(i).bounding_box()
        assert (
            box["y"] <= option["y"] and option["y"] + option["height"] <= box["y"] + box["height"]
        )
    # Nothing covers the last option: the frame's own hit test finds it.
    assert last.evaluate(
        """el => { const r = el.getBoundingClientRect();
                   const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height - 2);
                   return hit === el || el.contains(hit); }"""
    )
    _screenshot(page, "widget-01-intranet-suggestions")

    frame.get_by_role("option", name=re.compile("^Châlons-en-Champagne")).click()
    expect(commune).to_have_value("Châlons-en-Champagne (51000, Marne)")
    frame.locator("summary", has_text="Besoins").click()
    frame.get_by_text("Difficultés financières", exact=True).click()
    frame.get_by_text("Équipement et alimentation", exact=True).click()
    frame.get_by_role("button", name="Rechercher").click()
    expect(frame.locator(".relais-count")).to_contain_text("pour Châlons-en-Champagne")
    expect(frame.locator(".relais-widget__item").first).to_be_visible()
    # The frame grew to the results: the host page's footer comes after all of them.
    page.wait_for_function(
        "document.getElementById('relais-widget').getBoundingClientRect().height > 700"
    )
    box = page.locator("#relais-widget").bounding_box()
    selection = frame.locator(".relais-widget__selection").bounding_box()
    assert box["y"] <= selection["y"]
    assert selection["y"] + selection["height"] <= box["y"] + box["height"]
    assert box["y"] + box["height"] <= page.locator("#pied").bounding_box()["y"]
    _screenshot(page, "widget-02-intranet-resultats")


def test_a_page_of_another_origin_cannot_frame_the_widget(
    csp_page, live_server, browser_runtime, intranets
):
    allowed, refused, pages = intranets
    config, token = make_widget(browser_runtime, origins=(allowed,))
    path = _publish(pages, live_server, token, config, path="/autre.html")
    refusals: list[str] = []
    page = csp_page
    page.on("console", lambda m: refusals.append(m.text) if "frame-ancestors" in m.text else None)
    page.goto(refused + path)
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_have_text("Intranet de l'agence de Châlons")
    child = page.frames[1]
    assert "/widget/" not in child.url  # Chromium replaced it with its error page
    assert child.locator(".relais-widget__form").count() == 0
    assert any(refused in text or "frame-ancestors" in text for text in refusals), refusals
    _screenshot(page, "widget-03-origine-refusee")
    # The same page from the allowed origin shows it.
    page.goto(allowed + path)
    expect(page.frame_locator("#relais-widget").locator(".relais-widget__form")).to_be_visible()


def test_a_revoked_token_stops_the_widget_at_once(
    csp_page, live_server, browser_runtime, intranets
):
    allowed, _refused, pages = intranets
    config, token = make_widget(browser_runtime, origins=(allowed,))
    path = _publish(pages, live_server, token, config, path="/revoque.html")
    page = csp_page
    page.goto(allowed + path)
    expect(page.frame_locator("#relais-widget").locator(".relais-widget__form")).to_be_visible()
    admin = make_user(browser_runtime, "admin@cd51.fr", role="admin_departemental")
    browser_runtime.widgets.revoke(admin, "51", config.id)
    page.reload()
    page.wait_for_load_state("load")
    assert all("/widget/" not in f.url for f in page.frames[1:])  # framable nowhere now
    assert page.frames[1].locator(".relais-widget__form").count() == 0
    response = page.goto(f"{live_server}/widget/{token}")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Widget révoqué")
    expect(page.locator("main")).to_contain_text("administrateur Relais de votre département")
    screenshot(page, "widget-04-jeton-revoque")


def test_a_sheet_is_made_and_printed_inside_the_frame(
    csp_page, live_server, browser_runtime, intranets
):
    allowed, _refused, pages = intranets
    config, token = make_widget(
        browser_runtime, origins=(allowed,), code_commune="51108", thematiques=("numerique",)
    )
    page = csp_page
    page.goto(allowed + _publish(pages, live_server, token, config, path="/fiche.html"))
    frame = page.frame_locator("#relais-widget")
    # The presets: Châlons-en-Champagne and the digital need, ready to search.
    expect(frame.get_by_role("combobox", name=re.compile("Commune"))).to_have_value(
        "Châlons-en-Champagne (51000, Marne)"
    )
    frame.get_by_role("button", name="Rechercher").click()
    items = frame.locator(".relais-widget__item")
    expect(items.first).to_be_visible()
    name = items.first.locator("h2").inner_text()
    items.first.get_by_text("Ajouter à la fiche d'orientation").click()
    expect(frame.locator("#selection")).to_contain_text("1 ressource cochée")
    frame.get_by_role("button", name="Préparer la fiche d'orientation").click()
    expect(frame.locator(".relais-sheet")).to_contain_text(name)
    expect(frame.locator(".relais-sheet__title")).to_have_text(
        "Vos contacts pour avancer dans vos démarches"
    )
    widget = _widget_frame(page)
    assert f"/widget/{token}/fiche?" in widget.url and "ids=" in widget.url
    # "Imprimer la fiche" prints the frame's own document (recorded: no printer here).
    widget.evaluate(
        "() => { window.__impressions = 0; window.print = () => { window.__impressions++; }; }"
    )
    frame.get_by_role("button", name="Imprimer la fiche").click()
    assert widget.evaluate("window.__impressions") == 1
    page.emulate_media(media="print")
    expect(frame.locator(".relais-sheet-tools")).to_be_hidden()
    expect(frame.locator(".relais-sheet")).to_be_visible()
    expect(frame.locator(".relais-qr").first).to_be_visible()
    _screenshot(page, "widget-05-fiche-imprimee")
    page.emulate_media(media="screen")
    # Nothing was recorded: the widget's sheet is anonymous.
    assert browser_runtime.orientation_log.events() == []


def test_the_console_shows_the_snippets_and_a_live_preview(
    browser, live_server, browser_runtime, intranets
):
    allowed, _refused, _pages = intranets
    make_user(
        browser_runtime, "admin@cd51.fr", role="admin_departemental", password="mot-de-passe-51"
    )
    context = _context(browser, base_url=live_server, bypass_csp=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, "admin@cd51.fr", "mot-de-passe-51")
        page.goto("/console/51/widgets/")
        page.get_by_label("Nom").first.fill("Intranet agence de Châlons")
        page.get_by_label("Origines web autorisées").fill(f"{allowed}\nhttps://*.example.fr")
        page.get_by_role("button", name="Créer le widget").click()
        expect(page.locator(".fr-alert--error")).to_contain_text("joker")
        page.get_by_label("Origines web autorisées").fill(allowed)
        page.get_by_label("Commune préréglée").fill("Châlons-en-Champagne")
        page.get_by_role("button", name="Créer le widget").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Intranet agence de Châlons")
        token = page.get_by_label("Jeton").input_value()
        expect(page.locator("#widget-iframe")).to_contain_text(f"{live_server}/widget/{token}")
        expect(page.locator("#widget-script")).to_contain_text("relais:hauteur")
        preview = page.frame_locator("#widget-apercu")
        expect(preview.get_by_role("combobox", name=re.compile("Commune"))).to_have_value(
            "Châlons-en-Champagne (51000, Marne)"
        )
        # The preview frame follows the widget's height too (the console listens).
        page.wait_for_function(
            "document.getElementById('widget-apercu').getBoundingClientRect().height != 560"
        )
        screenshot(page, "widget-06-console-apercu")
    finally:
        context.close()


def test_without_the_resize_lines_the_suggestions_still_fit_inside_the_frame(
    csp_page, live_server, browser_runtime, intranets
):
    allowed, _refused, pages = intranets
    config, token = make_widget(browser_runtime, origins=(allowed,))
    path = _publish(pages, live_server, token, config, path="/sans-script.html", resize=False)
    page = csp_page
    page.goto(allowed + path)
    frame = page.frame_locator("#relais-widget")
    commune = frame.get_by_role("combobox", name=re.compile("Commune"))
    commune.press_sequentially("saint", delay=30)
    options = frame.get_by_role("option")
    expect(options.first).to_be_visible()
    assert options.count() == 8
    page.wait_for_timeout(300)  # the frame scrolls the list into view (smooth or not)
    assert _frame_height(page) == IFRAME_HEIGHT  # nobody grew the frame
    box = page.locator("#relais-widget").bounding_box()
    for i in range(options.count()):
        option = options.nth(i).bounding_box()
        assert box["y"] <= option["y"], i
        assert option["y"] + option["height"] <= box["y"] + box["height"] + 0.5, i
    _screenshot(page, "widget-07-sans-script-hote")


def test_the_console_pages_of_widgets_are_accessible(browser, live_server, browser_runtime):
    make_user(
        browser_runtime, "admin@cd51.fr", role="admin_departemental", password="mot-de-passe-51"
    )
    stored, _token = make_widget(browser_runtime, origins=("https://intranet.example.fr",))
    context = _context(browser, base_url=live_server)  # axe-core is injected inline
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, "admin@cd51.fr", "mot-de-passe-51")
        page.goto("/console/51/widgets/")
        expect(page.locator("#table-widgets")).to_contain_text("https://intranet.example.fr")
        audit(page, "console : widgets")
        page.goto(f"/console/51/widgets/{stored.id}")
        expect(page.locator("#widget-apercu")).to_be_visible()
        audit(page, "console : un widget")
    finally:
        context.close()
