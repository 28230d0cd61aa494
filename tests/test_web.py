"""The adviser's web UI through Flask's test client: search (with and without the autocomplete),
field errors, resource page, HTML error pages, the orientation sheet and its anonymous event."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import csrf_token, sign_in
from sqlalchemy import inspect

from persistence.tables import metadata
from resource_base import horaires
from resource_base.models import Resource
from web.helpers import phone_href, phone_text

CHALONS = (48.9640892125, 4.37883539725)
NEAR = (CHALONS[0] + 0.01, CHALONS[1])  # about 1.1 km
RECENT = (date.today() - timedelta(days=20)).isoformat()
DETTE = "difficultes-financieres--situation-dendettement-surendettement"


def _r(rid: str, nom: str, place=NEAR, **fields) -> Resource:
    lat, lon = place if place else (None, None)
    values = dict(
        id=f"web--{rid}",
        source="web",
        source_id=rid,
        departement="51",
        nom=nom,
        nom_structure=fields.pop("nom_structure", "Structure de test"),
        latitude=lat,
        longitude=lon,
        modes_accueil=fields.pop("modes_accueil", ["en-presentiel"]),
        zone_eligibilite=fields.pop("zone_eligibilite", ["51"]),
        date_maj=RECENT,
    )
    values.update(fields)
    return Resource(**values)


def resources() -> list[Resource]:
    return [
        _r(
            "budget",
            "Point conseil budget",
            thematiques=[DETTE],
            horaires_accueil="24/7",
            telephone="+33326010203",
            courriel="budget@example.fr",
            adresse="1 rue de la Marne",
            code_postal="51000",
            commune="Châlons-en-Champagne",
            conditions_acces="Apporter les trois derniers relevés de compte.",
            description="Aide en cas de surendettement.",
            publics=["tous-publics"],
            frais="gratuit",
        ),
        _r(
            "epicerie",
            "Épicerie solidaire",
            thematiques=["equipement-et-alimentation--alimentation"],
            horaires_accueil="Mo-Fr 09:00-12:00,14:00-17:00; PH off",
            adresse="8 place Foch",
            code_postal="51000",
            commune="Châlons-en-Champagne",
            zone_eligibilite=["51108"],
        ),
        _r("ferme", "Garage solidaire", thematiques=["mobilite"], horaires_accueil="off"),
        _r(
            "illisible",
            "Atelier numérique",
            thematiques=["numerique"],
            horaires_accueil="les mardis matin",
        ),
        _r(
            "distance",
            "Écoute dettes",
            place=None,
            thematiques=[DETTE],
            modes_accueil=["a-distance"],
            zone_eligibilite=["france"],
            telephone="0970000000",
        ),
        _r(
            "pro",
            "Commission logement",
            thematiques=["logement-hebergement"],
            visibilite="professionnels",
        ),
    ]


@pytest.fixture
def loaded(runtime):
    runtime.store.replace(
        "departement", "51", resources(), {"fichiers": ["test"]}, writers=runtime.store_writers()
    )
    return runtime


def page_text(response) -> str:
    return unescape(response.get_data(as_text=True))


def hidden_value(html: str, name: str) -> str:
    found = re.search(rf'<input type="hidden" id="{name}" name="{name}" value="([^"]*)"', html)
    assert found, name
    return unescape(found.group(1))


# --- The search page ------------------------------------------------------------------------


def test_search_page_renders_in_french_with_the_dsfr_served_locally(client):
    response = client.get("/")
    assert response.status_code == 200
    html = page_text(response)
    assert '<html lang="fr">' in html
    assert "République<br>française" in html and "Relais" in html
    assert 'href="#contenu"' in html  # skip link
    for name in ("commune", "code_commune", "thematiques", "q", "rayon_km", "publics", "frais"):
        assert f'name="{name}"' in html, name
    assert 'method="get"' in html
    assert "/dsfr/dsfr.min.css" in html
    assert not re.search(r'(src|href)="(https?:)?//[^"]+\.(js|css)"', html), "no CDN"
    for asset in (
        "/dsfr/dsfr.min.css",
        "/dsfr/fonts/Marianne-Regular.woff2",
        "/static/relais/relais.js",
    ):
        with client.get(asset) as served:  # files are streamed: close them
            assert served.status_code == 200, asset
    # No search yet: no error, no results.
    assert "fr-input-group--error" not in html and "nombre-resultats" not in html


def test_needs_are_categories_with_sub_themes(client):
    html = page_text(client.get("/"))
    assert '<details class="relais-besoin"' in html
    assert 'value="difficultes-financieres"' in html and f'value="{DETTE}"' in html
    # The seeds' barriers come first.
    assert html.index("Difficultés financières") < html.index("Choisir un métier")


def test_search_results(client, loaded):
    response = client.get("/?commune=Châlons-en-Champagne&rayon_km=30")
    assert response.status_code == 200
    html = page_text(response)
    assert "6 ressources" in html
    assert hidden_value(html, "code_commune") == "51108"
    for name in ("Point conseil budget", "Épicerie solidaire", "Écoute dettes"):
        assert name in html
    # Distance, remote, open now, phone and e-mail, the explanation.
    assert "À 1,1 km" in html
    assert "À distance" in html
    assert "Ouvert maintenant" in html  # 24/7
    assert "Fermé actuellement" in html  # off
    assert "Horaires à vérifier" in html  # not OSM syntax, shown without breaking the page
    assert "Horaires non renseignés" in html
    assert 'href="tel:+33326010203"' in html and "03 26 01 02 03" in html
    assert 'href="mailto:budget@example.fr"' in html
    assert "Département 51 dans la zone d'éligibilité" in html
    # Advisers are professionals: professionals-only records are shown, with a badge.
    assert "Commission logement" in html and "Réservé aux professionnels" in html
    # Every result can be ticked for the orientation sheet.
    assert html.count('name="ids"') == 6
    assert 'action="/orientation"' in html and 'method="post"' in html


def test_explanation_names_the_needs_matched(client, loaded):
    html = page_text(client.get(f"/?commune=51000&thematiques={DETTE}"))
    assert "répond à « Situation d’endettement ou de surendettement »" in html
    assert "Point conseil budget" in html and "Épicerie solidaire" not in html


def test_facets_count_resources_per_need_and_link_to_a_refined_search(client, loaded):
    html = page_text(client.get(f"/?commune=51000&thematiques={DETTE}"))
    facets = html[html.index("relais-facettes") :]
    link = re.search(
        r'<a class="fr-tag fr-tag--sm" href="([^"]+)"[^>]*>Mobilité : 1 ressource<', facets
    )
    assert link, "facet link"
    args = parse_qs(urlsplit(unescape(link.group(1))).query)
    assert args["thematiques"] == ["mobilite"] and args["code_commune"] == ["51108"]
    assert "Difficultés financières : 2 ressources" in facets
    # The needs tree shows the same counts.
    assert re.search(r"Mobilité</span>\s*<span class=\"relais-besoin__count\">1 ressource", html)


def test_commune_typed_without_javascript_is_resolved_by_the_server(client, loaded):
    html = page_text(client.get("/?commune=51000"))
    assert hidden_value(html, "code_commune") == "51108"
    assert 'value="Châlons-en-Champagne (51000, Marne)"' in html
    # A prefix: the server picks the best match and offers the others as links.
    html = page_text(client.get("/?commune=chal"))
    alternatives = html[html.index("Autres communes possibles") :]
    link = re.search(
        r'<a href="([^"]+)">Châlons-en-Champagne – 51000, Marne \(51\)</a>', alternatives
    )
    assert link
    assert parse_qs(urlsplit(unescape(link.group(1))).query)["code_commune"] == ["51108"]


@pytest.mark.parametrize(
    ("typed", "code", "label"),
    [
        ("51100", "51454", "Reims (51100, Marne)"),
        ("51100 Reims", "51454", "Reims (51100, Marne)"),
        ("saint dizer", "52448", "Saint-Dizier (52100, Haute-Marne)"),
        ("Chaalons", "51108", "Châlons-en-Champagne (51000, Marne)"),
        ("Châlons-en-Champagne 51", "51108", "Châlons-en-Champagne (51000, Marne)"),
        ("ST DIZIER", "52448", "Saint-Dizier (52100, Haute-Marne)"),
        ("2a004", "2A004", "Ajaccio (20000, Corse-du-Sud)"),
    ],
)
def test_commune_forms_and_typos_on_the_page(client, loaded, typed, code, label):
    html = page_text(client.get("/", query_string={"commune": typed}))
    assert hidden_value(html, "code_commune") == code
    assert f'value="{label}"' in html
    assert "nombre-resultats" in html


def test_a_postal_code_of_several_communes_lists_them_to_choose(client, loaded, widget_path):
    response = client.get("/?commune=52200&thematiques=sante")
    assert response.status_code == 200
    html = page_text(response)
    assert "Choisissez la commune de la personne" in html
    assert "nombre-resultats" not in html  # no guess: no search until a commune is chosen
    choices = html[html.index('class="relais-commune-choices"') :]
    choices = choices[: choices.index("</ul>")]
    names = re.findall(r'<a href="[^"]+">([^<]+)</a>', choices)
    assert names[0] == "Langres" and len(names) == 19
    assert "Haute-Marne (52)" in choices
    link = unescape(re.search(r'<a href="([^"]+)">Langres</a>', choices).group(1))
    args = parse_qs(urlsplit(link).query)
    assert args["code_commune"] == ["52269"] and args["thematiques"] == ["sante"]
    html = page_text(client.get(link))
    assert "pour Langres, Haute-Marne (52)" in html
    assert 'value="Langres (52200, Haute-Marne)"' in html
    # The widget lists them too.
    html = page_text(client.get(f"{widget_path}?commune=48100"))
    assert "Choisissez la commune de la personne" in html and ">Marvejols</a>" in html


def test_homonyms_prefer_the_department_of_the_previous_search(client, loaded):
    html = page_text(client.get("/?commune=Le Born&departement=48"))
    assert hidden_value(html, "code_commune") == "48029"
    assert "Le Born – 31340, Haute-Garonne (31)" in html[html.index("Autres communes possibles") :]
    suggestions = client.get("/communes/suggestions?q=le born&departement=31").get_json()
    assert [c["departement"] for c in suggestions] == ["31", "48"]
    assert suggestions[0]["departement_nom"] == "Haute-Garonne"


def test_autocomplete_code_is_used_unless_the_text_changed(client, loaded):
    html = page_text(client.get("/?commune=Châlons-en-Champagne (51000, Marne)&code_commune=51108"))
    assert "pour Châlons-en-Champagne, Marne (51)" in html
    # The adviser typed another town after choosing (no JavaScript to clear the code).
    html = page_text(client.get("/?commune=Reims&code_commune=51108"))
    assert hidden_value(html, "code_commune") == "51454"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("q=budget", "commune", "Indiquez la commune de la personne"),
        ("commune=zzzz", "commune", "Aucune commune ne correspond à « zzzz »"),
        ("commune=51000&rayon_km=beaucoup", "rayon_km", "n'est pas un rayon en kilomètres"),
        ("commune=51000&rayon_km=500", "rayon_km", "Le rayon doit être supérieur à 0"),
        ("commune=51000&thematiques=inconnue", "besoins", "Thématique inconnue : « inconnue »"),
        ("commune=51000&publics=martiens", "publics", "Valeur inconnue : « martiens »"),
    ],
)
def test_field_errors_are_shown_next_to_the_field_with_a_400(client, loaded, query, field, message):
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    html = page_text(response)
    assert "<title>Erreur – " in html
    block = html[html.index(f'id="{field}-messages"') :][:600]
    assert "fr-message--error" in block and message in block
    assert f'href="#{field}"' in html  # the summary at the top links to the field
    assert "nombre-resultats" not in html


def test_empty_results_suggest_nothing_that_would_still_give_nothing(client, loaded):
    # No health resource at all in the data: no wider radius nor remote services offered
    # (tests/test_web_gaps.py has the suggestions that do add results).
    response = client.get("/?commune=51000&thematiques=sante&rayon_km=30")
    assert response.status_code == 200
    html = page_text(response)
    assert "Aucune ressource « Santé » éligible pour Châlons-en-Champagne" in html
    block = html[html.index("aucun-resultat") :]
    assert "rayon_km=50" not in block and "modes_accueil=a-distance" not in block
    assert "orientez la personne vers son agence ou le conseil départemental" in block


def test_pagination(client, runtime):
    many = [_r(f"r{i:02d}", f"Atelier budget {i:02d}", thematiques=[DETTE]) for i in range(23)]
    runtime.store.replace(
        "departement", "51", many, {"fichiers": ["t"]}, writers=runtime.store_writers()
    )
    html = page_text(client.get("/?commune=51000"))
    assert "23 ressources" in html and html.count('name="ids"') == 10
    assert 'aria-current="page"' in html and "Page suivante" in html
    page3 = page_text(client.get("/?commune=51000&page=3"))
    assert page3.count('name="ids"') == 3 and "page 3 sur 3" in page3
    assert client.get("/?commune=51000&page=deux").status_code == 400


# --- The resource page ---------------------------------------------------------------------


def test_resource_page_shows_the_whole_record_contacts_first(client, loaded):
    response = client.get("/ressources/web--budget?retour=/%3Fcommune%3D51000")
    assert response.status_code == 200
    html = page_text(response)
    assert "<h1" in html and "Point conseil budget" in html
    assert html.index(">Contacts<") < html.index(">Description du service<")
    assert html.index(">Contacts<") < html.index("Lieu et horaires d'accueil")
    assert "Tous les jours, 24 h/24" in html
    assert "Apporter les trois derniers relevés de compte." in html
    assert "Tous publics" in html and "Gratuit" in html and "Département 51" in html
    assert "Situation d’endettement ou de surendettement" in html
    assert 'href="/?commune=51000"' in html  # back to the results
    assert 'action="/orientation"' in html


def test_resource_page_readable_hours_and_pro_badge(client, loaded):
    html = page_text(client.get("/ressources/web--epicerie"))
    assert "Du lundi au vendredi : de 9 h à 12 h et de 14 h à 17 h" in html
    assert "Fermé les jours fériés" in html
    assert "Commune : Châlons-en-Champagne (51108)" in html
    assert "Réservé aux professionnels" in page_text(client.get("/ressources/web--pro"))


def test_links_from_source_files_are_made_safe(client, runtime):
    record = _r(
        "liens",
        "Mission locale",
        thematiques=["mobilite"],
        site_web="www.mission-locale.example.fr",
        lien_mobilisation="javascript:alert(1)",
        description="<script>alert(1)</script>",
    )
    runtime.store.replace(
        "departement", "51", [record], {"fichiers": ["t"]}, writers=runtime.store_writers()
    )
    html = client.get("/ressources/web--liens").get_data(as_text=True)
    assert 'href="https://www.mission-locale.example.fr"' in html
    assert 'href="javascript:' not in html and "<script>alert" not in html


def test_return_link_never_leaves_the_site(client, loaded):
    html = page_text(client.get("/ressources/web--budget?retour=https://evil.example/"))
    assert "evil.example" not in html


def test_unknown_resource_and_unknown_page_are_french_html_404(client, loaded):
    for url in ("/ressources/nope", "/nulle-part"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.content_type.startswith("text/html")
        html = page_text(response)
        assert '<html lang="fr">' in html and "Nouvelle recherche" in html
    assert "Ressource introuvable" in page_text(client.get("/ressources/nope"))
    assert "Page non trouvée" in page_text(client.get("/nulle-part"))
    # The API keeps its JSON errors.
    api = client.get("/api/v1/nulle-part")
    assert api.status_code == 404 and api.get_json()["code"] == "introuvable"


def test_method_not_allowed_is_an_html_page(client):
    response = client.delete("/")
    assert response.status_code == 405 and response.content_type.startswith("text/html")
    assert "Méthode non autorisée" in page_text(response)


def test_engine_unavailable_is_a_503_page(client, loaded, monkeypatch):
    from resource_base.search import EngineUnavailable, SearchService

    def down(self, query):
        raise EngineUnavailable("cluster arrêté")

    monkeypatch.setattr(SearchService, "search", down)
    response = client.get("/?commune=51000")
    assert response.status_code == 503
    assert "momentanément indisponible" in page_text(response)


# --- Orientation (axe 1) -------------------------------------------------------------------


def orientation_columns(runtime) -> list[str]:
    return [c["name"] for c in inspect(runtime.database.engine).get_columns("orientations")]


def relational_dump(runtime) -> str:
    """Every row of every table of the relational store, as text."""
    with runtime.database.engine.connect() as conn:
        return "\n".join(
            repr(tuple(row))
            for table in metadata.sorted_tables
            for row in conn.execute(table.select())
        )


def test_orientation_records_an_anonymous_event_then_shows_the_sheet(client, loaded):
    response = client.post(
        "/orientation",
        data={
            "csrf_token": csrf_token(client),
            "ids": ["web--budget", "web--epicerie", "web--budget"],
            "code_commune": "51108",
            "thematiques": [DETTE, "pas-une-thematique"],
            "retour": "/?commune=51000",
            "nom": "Jean Dupont",  # personal data an adviser might send: never stored
        },
    )
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == "/orientation"
    assert parse_qs(location.query)["ids"] == ["web--budget", "web--epicerie"]

    # The event: department, commune, EPCI, needs searched, resources chosen, day. Nothing else.
    assert orientation_columns(loaded) == [
        "id",
        "date",
        "departement",
        "code_commune",
        "agence",
        "thematiques",
        "ressources",
        "epci",
    ]
    events = loaded.orientation_log.events()
    assert len(events) == 1
    event = events[0].to_dict()
    assert set(event) == {
        "date",
        "departement",
        "code_commune",
        "epci",
        "agence",
        "thematiques",
        "ressources",
    }
    # Châlons-en-Champagne (44,000 inhabitants) is not small: the commune is kept.
    assert event["departement"] == "51" and event["code_commune"] == "51108"
    assert event["epci"] == "200066876"
    assert event["agence"] == "AG51"  # the adviser's agence, never the adviser
    assert event["thematiques"] == [DETTE]
    assert event["ressources"] == ["web--budget", "web--epicerie"]
    assert datetime.strptime(event["date"], "%Y-%m-%d")  # the day, not the second
    with sqlite3.connect(loaded.store.path) as conn:
        dump = "\n".join(conn.iterdump())
    conn.close()
    assert "Dupont" not in dump
    assert "Dupont" not in relational_dump(loaded)

    sheet = client.get(response.headers["Location"])
    assert sheet.status_code == 200
    html = page_text(sheet)
    assert html.count('class="relais-sheet__entry"') == 2
    assert "Point conseil budget" in html and "Épicerie solidaire" in html
    assert "1 rue de la Marne, 51000 Châlons-en-Champagne" in html
    assert "03 26 01 02 03" in html
    assert "Du lundi au vendredi : de 9 h à 12 h et de 14 h à 17 h" in html
    assert "Apporter les trois derniers relevés de compte." in html
    assert html.count('<svg aria-hidden="true" focusable="false" viewBox=') == 2  # QR codes
    assert "http://localhost/ressources/web--budget" in html  # absolute URL for the QR code
    message = html[html.index('<textarea class="fr-input" id="message"') :]
    message = message[: message.index("</textarea>")]
    assert "1. Point conseil budget" in message and "Tél. 03 26 01 02 03" in message
    assert "http://localhost/ressources/web--epicerie" in message
    # Back to the results with the ticks in the URL: they stay ticked, with or without script.
    assert 'href="/?commune=51000&ids=web--budget&ids=web--epicerie"' in html
    # Showing (or printing) the sheet again records nothing more.
    client.get(response.headers["Location"])
    assert len(loaded.orientation_log.events()) == 1


def test_orientation_from_a_resource_page_takes_the_search_context(client, loaded):
    retour = f"/?commune=Ch%C3%A2lons&code_commune=51108&thematiques={DETTE}"
    response = client.post(
        "/orientation",
        data={"ids": "web--budget", "retour": retour, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303
    event = loaded.orientation_log.events()[0]
    assert event.code_commune == "51108" and event.thematiques == (DETTE,)


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({}, 400, "Aucune ressource n'a été cochée"),
        ({"ids": ["web--nope"]}, 404, "ne sont plus référencées"),
        ({"ids": [f"web--r{i}" for i in range(11)]}, 400, "au plus 10 ressources"),
    ],
)
def test_orientation_refusals_are_french_pages(client, loaded, data, status, message):
    response = client.post("/orientation", data={**data, "csrf_token": csrf_token(client)})
    assert response.status_code == status
    assert message in page_text(response)
    assert loaded.orientation_log.events() == []


def test_orientation_refuses_a_form_posted_from_another_site(client, loaded):
    response = client.post(
        "/orientation",
        data={"ids": "web--budget", "csrf_token": csrf_token(client)},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403 and response.content_type.startswith("text/html")
    assert loaded.orientation_log.events() == []


def test_orientation_sheet_by_get_with_ids(client, loaded):
    html = page_text(client.get("/orientation?ids=web--distance&ids=web--gone"))
    assert "Écoute dettes" in html and "À distance, sans déplacement" in html
    assert "1 ressource cochée n'est plus référencée" in html
    assert client.get("/orientation").status_code == 400


def test_orientation_storage_imports_neither_flask_nor_elasticsearch():
    code = (
        "import sys, resource_base.orientation, persistence.orientations; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'elasticsearch')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_public_url_setting_is_used_for_qr_codes_and_messages(runtime, adviser):
    from relais.app import create_app

    runtime.store.replace(
        "departement", "51", resources(), {"fichiers": ["t"]}, writers=runtime.store_writers()
    )
    app = create_app(
        {"TESTING": True, "RELAIS_RUNTIME": runtime, "PUBLIC_URL": "https://relais.example.fr/"}
    )
    test_client = app.test_client()
    sign_in(test_client, adviser)
    html = test_client.get("/orientation?ids=web--budget").get_data(as_text=True)
    assert "https://relais.example.fr/ressources/web--budget" in html
    assert "http://localhost/" not in html


def test_dsfr_folder_is_a_setting(runtime, tmp_path):
    from relais.app import create_app

    (tmp_path / "dsfr.min.css").write_text("/* dsfr de test */", encoding="utf-8")
    app = create_app({"TESTING": True, "RELAIS_RUNTIME": runtime, "DSFR_DIR": str(tmp_path)})
    with app.test_client().get("/dsfr/dsfr.min.css") as response:
        assert response.get_data(as_text=True) == "/* dsfr de test */"


# --- Widget --------------------------------------------------------------------------------


def test_widget_is_minimal_public_and_embeddable(client, loaded, widget_path):
    response = client.get(f"{widget_path}?commune=51000")
    assert response.status_code == 200
    html = page_text(response)
    assert "fr-header" not in html and "fr-footer" not in html
    assert "Point conseil budget" in html
    assert "Commission logement" not in html  # professionals-only: not in the public widget
    assert 'target="_blank"' in html
    assert "X-Frame-Options" not in response.headers
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://intranet.example.fr" in policy
    assert "script-src 'self'" in policy


# --- Opening hours in French -----------------------------------------------------------------


MONDAY_10H = datetime(2026, 11, 23, 10, 0)


@pytest.mark.parametrize(
    ("expression", "now", "etat", "texte"),
    [
        ("Mo-Fr 09:00-12:00", MONDAY_10H, "ouvert", "Ouvert maintenant · ferme à 12 h"),
        (
            "Mo-Fr 09:00-12:00",
            MONDAY_10H.replace(hour=13),
            "ferme",
            "Fermé actuellement · ouvre demain à 9 h",
        ),
        ("Sa 09:30-12:00", MONDAY_10H, "ferme", "Fermé actuellement · ouvre samedi à 9 h 30"),
        ("24/7", MONDAY_10H, "ouvert", "Ouvert maintenant"),
        (
            "Mo-Fr 09:00-12:00; PH off",
            datetime(2026, 12, 25, 10),
            "ferme",
            "Fermé actuellement · ouvre lundi à 9 h",
        ),
        ("les mardis matin", MONDAY_10H, "inconnu", "Horaires à vérifier"),
        ("", MONDAY_10H, "non-renseigne", "Horaires non renseignés"),
        (None, MONDAY_10H, "non-renseigne", "Horaires non renseignés"),
    ],
)
def test_opening_status(expression, now, etat, texte):
    status = horaires.opening_status(expression, now)
    assert (status.etat, status.texte) == (etat, texte)


@pytest.mark.parametrize(
    ("expression", "lines"),
    [
        (
            "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off",
            [
                "Du lundi au vendredi : de 9 h à 12 h et de 14 h à 17 h",
                "Samedi : de 9 h à 12 h",
                "Fermé les jours fériés",
            ],
        ),
        (
            "Mo,Tu 08:30-12:00; Th 14:00-16:00",
            ["Lundi et mardi : de 8 h 30 à 12 h", "Jeudi : de 14 h à 16 h"],
        ),
        ("24/7", ["Tous les jours, 24 h/24"]),
        ("Mo-Su 10:00-18:00", ["Tous les jours : de 10 h à 18 h"]),
        ('Mo 09:00-12:00 "sur rendez-vous"', ["Lundi : de 9 h à 12 h (sur rendez-vous)"]),
        ("n'importe quoi", None),
        (None, None),
    ],
)
def test_weekly_schedule_in_french(expression, lines):
    assert horaires.weekly_schedule(expression, date(2026, 11, 23)) == lines


def test_commune_suggestions_are_served_by_the_ui_itself(client):
    response = client.get("/communes/suggestions?q=chal&limit=3")
    assert response.status_code == 200
    names = [c["nom"] for c in response.get_json()]
    assert "Châlons-en-Champagne" in names and len(names) == 3
    page = client.get("/").get_data(as_text=True)
    assert 'data-suggest-url="/communes/suggestions"' in page


def test_free_text_explained_with_the_records_words_and_corrections(client, loaded):
    html = page_text(client.get("/?commune=51000&q=surendetement mutuelle"))
    assert "Résultats pour « surendettement mutuelle » (saisi : « surendetement mutuelle »)" in html
    assert "mots trouvés : surendettement" in html  # the record's word, never a stem
    why = " ".join(re.findall(r'<p class="relais-why">(.*?)</p>', html, flags=re.S))
    assert why and not re.search(r"\b(dett|mutuell|surendet)\b", why)
    html = page_text(client.get("/?commune=51000&q=dettes"))
    assert "mots trouvés : dettes" in html  # « Écoute dettes »
    assert "« dettes » → surendettement" in html
    assert "texte-compris" not in html


@pytest.mark.parametrize(
    ("stored", "shown", "href"),
    [
        ("+33326010203", "03 26 01 02 03", "tel:+33326010203"),
        ("+33800123456", "0 800 12 34 56", "tel:+33800123456"),  # ARCEP's format for 0 800
        ("+262262123456", "0262 12 34 56", "tel:+262262123456"),  # La Réunion, dialled from France
        ("+596696123456", "0696 12 34 56", "tel:+596696123456"),  # Martinique
        ("+3221234567", "+32 2 123 45 67", "tel:+3221234567"),  # abroad: international form
        ("0970000000", "09 70 00 00 00", "tel:+33970000000"),  # national form in a record
        ("3919", "3919", "tel:3919"),  # short numbers as they are
        ("115", "115", "tel:115"),
        ("standard", "standard", "tel:"),
    ],
)
def test_phone_display(stored, shown, href):
    assert (phone_text(stored), phone_href(stored)) == (shown, href)
