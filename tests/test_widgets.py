"""Widgets for intranets (issue 13): the configuration's rules, its signed token, the console
that creates, shows and revokes it (scoped, audited), and the widget pages it opens.
The browser side (origins allowed and refused, suggestions, printing) is in
tests/browser/test_widget_browser.py."""

from __future__ import annotations

import re
from html import unescape

import pytest
from conftest import csrf_token, make_user, make_widget, sign_in
from test_web import DETTE, resources

from accounts.scoping import AccessDenied
from accounts.widgets import (
    WidgetConfig,
    WidgetError,
    check_config,
    normalize_origin,
    token_id,
    token_of,
)
from resource_base import vocabulary

INTRANET = "https://intranet.example.fr"
PRO = "web--pro"  # "Commission logement", visibilite=professionnels
PUBLIC = "web--budget"  # "Point conseil budget"


@pytest.fixture
def loaded(runtime):
    runtime.store.replace(
        "departement", "51", resources(), {"fichiers": ["test"]}, writers=runtime.store_writers()
    )
    return runtime


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def config(**fields) -> WidgetConfig:
    values = {"id": None, "departement": "51", "name": "Intranet", "origins": (INTRANET,)}
    values.update(fields)
    return WidgetConfig(**values)


# --- origins -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://intranet.example.fr", "https://intranet.example.fr"),
        (" HTTPS://Intranet.Example.FR/ ", "https://intranet.example.fr"),
        ("https://intranet.example.fr:443", "https://intranet.example.fr"),
        ("http://intranet-cd51:8080", "http://intranet-cd51:8080"),
        ("http://127.0.0.1:5071", "http://127.0.0.1:5071"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("https://intranet.département51.fr", "https://intranet.xn--dpartement51-beb.fr"),
    ],
)
def test_an_origin_is_a_scheme_a_host_and_a_port(value, expected):
    assert normalize_origin(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("*", "joker"),
        ("https://*.example.fr", "joker"),
        ("null", "file:"),
        ("file:///C:/intranet/index.html", "file:"),
        ("https://intranet.example.fr/accueil", "pas de chemin"),
        ("ftp://intranet.example.fr", "attendu https://hote"),
        ("intranet.example.fr", "attendu https://hote"),
        ("https://agent@intranet.example.fr", "ni identifiant"),
        ("https://intranet.example.fr?x=1", "ni identifiant"),
        ("https://intranet.example.fr:99999", "port"),
        ("https://intra net.example.fr", "illisible"),
        ("", "vide"),
    ],
)
def test_paths_wildcards_null_and_file_pages_are_refused_in_french(value, message):
    with pytest.raises(WidgetError, match=message):
        normalize_origin(value)


def test_the_configuration_rules():
    checked = check_config(
        config(
            name="  Intranet   agence  ",
            origins=(INTRANET, "https://intranet.example.fr/", "http://cd51.local:8080"),
            thematiques=("sante", "sante"),
            code_commune="51108",
        ),
        vocabulary.is_thematique,
    )
    assert checked.name == "Intranet agence"
    assert checked.origins == (INTRANET, "http://cd51.local:8080")  # duplicates dropped
    assert checked.thematiques == ("sante",)
    assert checked.frame_ancestors == f"frame-ancestors 'self' {INTRANET} http://cd51.local:8080"
    refusals = [
        (config(name=" "), "nom"),
        (config(origins=()), "au moins une origine"),
        (config(origins=tuple(f"https://h{i}.fr" for i in range(11))), "10 origines au plus"),
        (config(thematiques=("pas-un-besoin",)), "Besoin inconnu"),
        (config(code_commune="Reims"), "code INSEE"),
        (config(taille=7), "résultats par page"),
        (config(professionnels=True), "intranet France Travail"),
        (config(titre="x" * 121), "120 caractères"),
    ]
    for wrong, message in refusals:
        with pytest.raises(WidgetError, match=message):
            check_config(wrong, vocabulary.is_thematique)
    allowed = check_config(
        config(professionnels=True, intranet_france_travail=True), vocabulary.is_thematique
    )
    assert allowed.professionnels


# --- tokens ------------------------------------------------------------------------------------


def test_the_token_is_signed_and_names_its_configuration(runtime):
    stored, token = make_widget(runtime)
    assert token_id(token) == stored.id and token.startswith(f"{stored.id}.")
    assert runtime.widgets.resolve(token) == (stored, "")
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert runtime.widgets.resolve(forged) == (None, "inconnu")
    assert token_of(stored, "une autre clé secrète") != token
    for malformed in ("", "abc", f"{stored.id}", f"{stored.id}.court", "0.abcdefghijklmnopqrstu"):
        assert runtime.widgets.resolve(malformed) == (None, "inconnu"), malformed
    assert runtime.widgets.resolve("9999.abcdefghijklmnopqrstuvwxyz12") == (None, "inconnu")
    assert runtime.widgets.resolve("99999999999.abcdefghijklmnopqrstuvwxyz12")[1] == "inconnu"


def test_a_store_rebuilt_with_the_same_ids_never_honours_an_old_token(runtime, relational_store):
    from database_support import clean_database

    first, token = make_widget(runtime)
    clean_database(relational_store)  # emptied: the ids start again
    second, second_token = make_widget(runtime, origins=("https://autre.example.fr",))
    assert second.id == first.id and second_token != token  # another nonce
    assert runtime.widgets.resolve(token) == (None, "inconnu")
    assert runtime.widgets.resolve(second_token) == (second, "")


def test_revocation_is_read_on_every_resolve_and_audited(runtime):
    admin = make_user(runtime, "admin@cd51.fr", role="admin_departemental")
    stored, token = make_widget(runtime)
    runtime.widgets.revoke(admin, "51", stored.id)
    config_after, reason = runtime.widgets.resolve(token)
    assert reason == "revoque" and config_after.revoked_at
    with pytest.raises(WidgetError, match="déjà révoqué"):
        runtime.widgets.revoke(admin, "51", stored.id)
    actions = [(e.action, e.record) for e in runtime.accounts.store.list_audit("51")]
    assert ("creation_widget", f"widget:{stored.id}") in actions
    assert ("revocation_widget", f"widget:{stored.id}") in actions


def test_only_admins_manage_widgets_and_only_in_their_department(runtime):
    adviser = make_user(runtime, "c@ft51.fr")
    admin52 = make_user(runtime, "admin@cd52.fr", role="admin_departemental", departement="52")
    national = make_user(runtime, "national@relais.fr", role="admin_national", departement=None)
    with pytest.raises(AccessDenied):
        runtime.widgets.create(adviser, config())
    with pytest.raises(AccessDenied):
        runtime.widgets.create(admin52, config())
    stored = runtime.widgets.create(national, config())
    assert runtime.widgets.get(admin52, "52", stored.id) is None  # another department's
    with pytest.raises(AccessDenied):
        runtime.widgets.list(admin52, "51")
    assert [w.id for w in runtime.widgets.list(national, "51")] == [stored.id]


# --- the console -------------------------------------------------------------------------------


def admin_client(app, runtime, departement="51", role="admin_departemental"):
    user = make_user(runtime, f"admin@cd{departement}.fr", role=role, departement=departement)
    client = app.test_client()
    sign_in(client, user)
    return client


def create(client, departement="51", **fields):
    data = {
        "nom": "Intranet agence de Reims",
        "origines": f"{INTRANET}\nhttp://intranet-cd51:8080",
        "titre": "Ressources sociales de la Marne",
        "commune": "51100",
        "thematiques": ["sante", "mobilite"],
        "taille": "3",
        "csrf_token": csrf_token(client),
    }
    data.update(fields)
    return client.post(f"/console/{departement}/widgets/", data=data)


def test_an_admin_creates_a_widget_and_gets_its_token_snippets_and_preview(app, runtime):
    client = admin_client(app, runtime)
    response = create(client)
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    html = text(page)
    (stored,) = runtime.widgets.store.list_widgets("51")
    token = runtime.widgets.token(stored)
    assert stored.origins == (INTRANET, "http://intranet-cd51:8080")
    assert stored.code_commune == "51454"  # 51100 is the postal code of Reims
    assert stored.thematiques == ("sante", "mobilite") and stored.taille == 3
    assert stored.created_by == "admin@cd51.fr" and not stored.professionnels
    assert f'value="{token}"' in html
    assert f'<iframe id="relais-widget" src="http://localhost/widget/{token}"' in html
    assert 'e.origin !== "http://localhost"' in html and '"relais:hauteur"' in html
    assert f'src="/widget/{token}"' in html and "data-relais-preview" in html
    assert "Reims (51100, Marne)" in html and "Santé, Mobilité" in html
    assert "file:" in html and f'href="http://localhost/widget/{token}" target="_blank"' in html
    # The console's own policy lets it frame its own pages (the preview) and nothing else.
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    listing = text(client.get("/console/51/widgets/"))
    assert "Intranet agence de Reims" in listing and "http://intranet-cd51:8080" in listing
    audit = {(e.action, e.actor_email) for e in runtime.accounts.store.list_audit("51")}
    assert ("creation_widget", "admin@cd51.fr") in audit


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"origines": "*"}, "joker"),
        ({"origines": "https://intranet.example.fr/page"}, "pas de chemin"),
        ({"origines": "null"}, "file:"),
        ({"origines": ""}, "au moins une origine"),
        ({"professionnels": "oui"}, "intranet France Travail"),
        ({"commune": "Langres"}, "introuvable dans le département 51"),
        ({"nom": ""}, "nom"),
    ],
)
def test_a_refused_configuration_says_why_in_french_and_keeps_the_form(
    app, runtime, fields, message
):
    client = admin_client(app, runtime)
    response = create(client, **fields)
    assert response.status_code == 400
    html = text(response)
    assert message in html
    assert "Ressources sociales de la Marne" in html  # what was typed is kept
    assert runtime.widgets.store.list_widgets("51") == []


def test_a_france_travail_intranet_may_show_professionals_only_resources(app, runtime, loaded):
    client = admin_client(app, runtime)
    response = create(client, intranet_france_travail="oui", professionnels="oui", commune="")
    assert response.status_code == 303
    (stored,) = runtime.widgets.store.list_widgets("51")
    assert stored.professionnels and stored.intranet_france_travail
    token = runtime.widgets.token(stored)
    logement = "commune=51000&rayon_km=50&thematiques=logement-hebergement"
    widget = app.test_client().get(f"/widget/{token}?{logement}")
    assert "Commission logement" in text(widget)
    assert widget.headers["Cache-Control"] == "private, no-store"
    sheet = app.test_client().get(f"/widget/{token}/fiche?ids={PRO}")
    assert sheet.status_code == 200 and "réservée aux professionnels" in text(sheet)
    assert runtime.orientation_log.events() == []
    public_token = make_widget(runtime)[1]
    assert "Commission logement" not in text(
        app.test_client().get(f"/widget/{public_token}?{logement}")
    )


def test_the_console_of_widgets_is_scoped(app, runtime):
    stored, _token = make_widget(runtime)
    adviser = app.test_client()
    sign_in(adviser, make_user(runtime, "c@ft51.fr"))
    assert adviser.get("/console/51/widgets/").status_code == 403
    admin52 = admin_client(app, runtime, "52")
    assert admin52.get("/console/51/widgets/").status_code == 403
    assert admin52.get(f"/console/51/widgets/{stored.id}").status_code == 403
    assert create(admin52, departement="51").status_code == 403
    token = csrf_token(admin52)
    revoke = admin52.post(f"/console/51/widgets/{stored.id}/revoquer", data={"csrf_token": token})
    assert revoke.status_code == 403
    assert admin52.get(f"/console/52/widgets/{stored.id}").status_code == 404  # not its own
    assert runtime.widgets.store.get_widget(stored.id).active
    national = admin_client(app, runtime, "75", role="admin_national")
    assert national.get(f"/console/51/widgets/{stored.id}").status_code == 200
    assert app.test_client().get("/console/51/widgets/").status_code == 302  # login first


def test_revoking_from_the_console_stops_the_widget_at_once(app, runtime, loaded):
    stored, token = make_widget(runtime)
    visitor = app.test_client()
    assert visitor.get(f"/widget/{token}").status_code == 200
    client = admin_client(app, runtime)
    response = client.post(
        f"/console/51/widgets/{stored.id}/revoquer", data={"csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303
    page = visitor.get(f"/widget/{token}?commune=51000")
    assert page.status_code == 403
    assert "Widget révoqué" in text(page) and "Point conseil budget" not in text(page)
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert visitor.get(f"/widget/{token}/communes?q=reims").status_code == 403
    assert visitor.get(f"/widget/{token}/fiche?ids={PUBLIC}").status_code == 403
    assert "revocation_widget" in {e.action for e in runtime.accounts.store.list_audit("51")}
    assert "Révoqué le" in text(client.get("/console/51/widgets/"))


# --- the widget pages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "title"),
    [
        ("/widget", 404, "Adresse de widget incomplète"),
        ("/widget?commune=51000", 404, "Adresse de widget incomplète"),
        ("/widget/1.abcdefghijklmnopqrstuvwxyz", 404, "Widget introuvable"),
        ("/widget/n-importe-quoi", 404, "Widget introuvable"),
        ("/widget/n-importe-quoi/fiche?ids=web--budget", 404, "Widget introuvable"),
    ],
)
def test_an_absent_or_unknown_token_gets_a_french_page_framable_nowhere(
    anonymous_client, loaded, path, status, title
):
    response = anonymous_client.get(path)
    assert response.status_code == status
    html = text(response)
    assert title in html and "Point conseil budget" not in html
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_widget_is_framable_by_its_origins_only(anonymous_client, runtime):
    _stored, token = make_widget(runtime, origins=(INTRANET, "http://cd51.local:8080"))
    response = anonymous_client.get(f"/widget/{token}")
    policy = response.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {INTRANET} http://cd51.local:8080" in policy
    assert "*" not in policy and "X-Frame-Options" not in response.headers
    assert f'data-relais-parent-origins="{INTRANET} http://cd51.local:8080"' in text(response)


def test_presets_fill_the_form_before_the_first_search(anonymous_client, runtime, loaded):
    _stored, token = make_widget(
        runtime, code_commune="51108", thematiques=(DETTE, "sante"), titre="Aide sociale 51"
    )
    html = text(anonymous_client.get(f"/widget/{token}"))
    assert "<h1" in html and "Aide sociale 51" in html
    assert 'value="Châlons-en-Champagne (51000, Marne)"' in html
    assert re.search(rf'value="{DETTE}" checked', html)
    assert 'value="sante" checked' in html
    assert 'value="mobilite" checked' not in html
    assert 'data-departement="51"' in html
    # Once searched, the person's choices win over the presets.
    searched = text(anonymous_client.get(f"/widget/{token}?commune=51000&thematiques=mobilite"))
    assert 'value="mobilite" checked' in searched and 'value="sante" checked' not in searched


def test_several_needs_and_keywords_and_the_page_size(anonymous_client, runtime, loaded):
    _stored, token = make_widget(runtime, taille=3)
    both = text(
        anonymous_client.get(
            f"/widget/{token}?commune=51000&thematiques={DETTE}"
            "&thematiques=equipement-et-alimentation&rayon_km=50"
        )
    )
    assert "Point conseil budget" in both and "Épicerie solidaire" in both
    keyword = text(anonymous_client.get(f"/widget/{token}?commune=51000&q=surendettement"))
    assert "Point conseil budget" in keyword and "Épicerie solidaire" not in keyword
    assert 'name="q" value="surendettement"' in keyword
    everything = text(anonymous_client.get(f"/widget/{token}?commune=51000&rayon_km=50"))
    assert everything.count('class="relais-widget__item"') == 3  # the configured page size
    assert f'href="/widget/{token}?commune=' in everything and "Résultats suivants" in everything


def test_commune_suggestions_answer_with_the_token_only(anonymous_client, runtime):
    _stored, token = make_widget(runtime, departement="52")
    found = anonymous_client.get(f"/widget/{token}/communes?q=saint+diz")
    assert found.status_code == 200
    assert found.get_json()[0]["nom"] == "Saint-Dizier"
    assert f'data-suggest-url="/widget/{token}/communes"' in text(
        anonymous_client.get(f"/widget/{token}")
    )
    refused = anonymous_client.get("/widget/1.abcdefghijklmnopqrstuvwxyz/communes?q=reims")
    assert refused.status_code == 404 and "pas reconnu" in refused.get_json()["message"]
    assert anonymous_client.get("/communes/suggestions?q=reims").status_code == 302


def test_the_sheet_is_made_from_the_widget_without_login_and_records_nothing(
    anonymous_client, runtime, loaded
):
    _stored, token = make_widget(runtime)
    results = text(anonymous_client.get(f"/widget/{token}?commune=51000&q=budget"))
    assert f'action="/widget/{token}/fiche"' in results and 'name="ids"' in results
    retour = re.search(r'name="retour" value="([^"]+)"', results).group(1)
    assert "q=" not in retour  # the free text never travels in a link
    sheet = anonymous_client.get(f"/widget/{token}/fiche?ids={PUBLIC}&retour={retour}")
    assert sheet.status_code == 200
    html = text(sheet)
    assert "Vos contacts pour avancer dans vos démarches" in html
    assert "Point conseil budget" in html and "data-relais-print" in html
    assert "http://localhost/ressources/web--budget" in html  # the QR code's link
    assert sheet.headers["Cache-Control"] == "private, no-store"
    assert f"frame-ancestors 'self' {INTRANET}" in sheet.headers["Content-Security-Policy"]
    assert "fr-header" not in html
    assert runtime.orientation_log.events() == []  # no anonymous event
    # The widget's audience holds: a professionals-only resource is not on a public sheet.
    hidden = anonymous_client.get(f"/widget/{token}/fiche?ids={PRO}")
    assert hidden.status_code == 404 and "Commission logement" not in text(hidden)
    assert anonymous_client.get(f"/widget/{token}/fiche").status_code == 400
    many = "&".join(f"ids=web--r{i}" for i in range(11))
    assert "au plus 10" in text(anonymous_client.get(f"/widget/{token}/fiche?{many}"))
    # A return link outside the widget is not followed.
    elsewhere = text(
        anonymous_client.get(f"/widget/{token}/fiche?ids={PUBLIC}&retour=/console/51/")
    )
    assert 'href="/console/51/"' not in elsewhere and f'href="/widget/{token}"' in elsewhere


def test_the_adviser_sheet_still_records_its_event(client, loaded, runtime):
    # The sheet's article moved into a shared template: the adviser's page is unchanged.
    response = client.post("/orientation", data={"ids": PUBLIC, "csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert "Point conseil budget" in text(client.get(response.headers["Location"]))
    assert len(runtime.orientation_log.events()) == 1
