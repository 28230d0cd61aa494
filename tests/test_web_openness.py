"""Openness, closures, urgency and the sheet's texts in the adviser's UI: temporary closures,
each place's own time zone (a pinned clock), the open filters, an infinite radius, the SMS
text, route links and short links."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from html import unescape

import pytest

from relais import settings as settings_module
from relais.settings import ConfigError
from resource_base.models import Resource
from web.orientation import sms

NEAR = (48.9740892125, 4.37883539725)  # 1.1 km from Châlons' centre
HEBERGEMENT = "logement-hebergement--rechercher-une-solution-dhebergement-temporaire"
# Tuesday 3 March 2026 at 06:00 UTC: 07:00 in Châlons, 10:00 in La Réunion.
EARLY = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
# The same day at 08:30 UTC: 09:30 in Châlons, 12:30 in La Réunion.
MORNING = datetime(2026, 3, 3, 8, 30, tzinfo=UTC)


def _r(rid: str, nom: str, place=NEAR, **fields) -> Resource:
    lat, lon = place if place else (None, None)
    values = dict(
        id=f"open--{rid}",
        source="open",
        source_id=rid,
        departement=fields.pop("departement", "51"),
        nom=nom,
        nom_structure="Structure de test",
        latitude=lat,
        longitude=lon,
        modes_accueil=fields.pop("modes_accueil", ["en-presentiel"]),
        zone_eligibilite=fields.pop("zone_eligibilite", ["51"]),
        date_maj=(date.today() - timedelta(days=10)).isoformat(),
        adresse=fields.pop("adresse", "1 rue de la Marne"),
        code_postal="51000",
        commune="Châlons-en-Champagne",
    )
    values.update(fields)
    return Resource(**values)


def resources() -> list[Resource]:
    return [
        _r(
            "chrs",
            "Centre d'hébergement et de réinsertion sociale",
            thematiques=[HEBERGEMENT],
            statut="fermeture-temporaire",
            horaires_accueil="24/7",
            telephone="+33326000001",
        ),
        _r(
            "accueil",
            "Accueil de jour – l’Étape",
            thematiques=[HEBERGEMENT],
            horaires_accueil="Mo-Fr 09:00-12:00",
            telephone="+33326000002",
        ),
        _r(
            "samu",
            "Samu social (115)",
            place=(48.99, 4.40),
            thematiques=[HEBERGEMENT],
            horaires_accueil="24/7",
            telephone="115",
        ),
        _r(
            "reunion",
            "Plateforme téléphonique de La Réunion",
            place=None,
            departement="974",
            thematiques=["numerique"],
            zone_eligibilite=["france"],
            modes_accueil=["a-distance"],
            horaires_accueil="Mo-Fr 08:00-12:00",
            telephone="+262262000000",
            adresse=None,
        ),
    ]


@pytest.fixture
def loaded(runtime):
    runtime.store.replace(
        "departement", "51", resources(), {"fichiers": ["test"]}, writers=runtime.store_writers()
    )
    return runtime


def at(runtime, moment: datetime) -> None:
    runtime.search_service.clock = lambda: moment


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def card(html: str, name: str) -> str:
    start = html.index(name)
    start = html.rindex("<article", 0, start)
    return html[start : html.index("</article>", start)]


# --- robustness -----------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["search", "widget"])
@pytest.mark.parametrize("value", ["inf", "-inf", "1e400", "nan"])
def test_infinite_radius_is_a_field_error(client, loaded, page, value, request):
    path = request.getfixturevalue("widget_path") if page == "widget" else "/"
    response = client.get(f"{path}?commune=51000&rayon_km={value}")
    assert response.status_code == 400
    html = text_of(response)
    assert f"« {value} » n'est pas un rayon en kilomètres." in html


# --- temporary closures and urgency ---------------------------------------------------------


def test_temporarily_closed_never_shows_open_and_comes_after_open_equivalents(client, loaded):
    at(loaded, MORNING)
    html = text_of(client.get(f"/?commune=51000&thematiques={HEBERGEMENT}"))
    chrs = card(html, "Centre d'hébergement et de réinsertion sociale")
    assert "Ouvert maintenant" not in chrs  # 24/7, but temporarily closed
    assert "Fermé temporairement" in chrs and "appelez avant d'y orienter" in chrs
    # One badge says it (the opening badge), not a status badge beside it.
    assert chrs.count("Fermé temporairement") == 2  # the badge and the warning sentence
    # Emergency service first (urgent need), then the open place, then the closed one.
    order = [html.index(n) for n in ("Samu social (115)", "Accueil de jour", "Centre d'héber")]
    assert order == sorted(order)
    assert "Service d'urgence (115) : en tête" in card(html, "Samu social (115)")


def test_the_sheet_warns_about_a_temporary_closure(client, loaded):
    html = text_of(client.get("/orientation?ids=open--chrs&ids=open--accueil"))
    assert "Attention : lieu fermé temporairement." in html
    assert "Ouvert maintenant" not in html.split("Centre d'hébergement")[1].split("</li>")[0]
    message = html[html.index('id="message"') :]
    assert "Attention : fermé temporairement, appelez avant de vous déplacer." in message


# --- each place's own time zone -------------------------------------------------------------


def test_open_now_is_read_in_the_place_time_zone(client, loaded):
    at(loaded, EARLY)
    html = text_of(client.get("/?commune=51000&rayon_km=10"))
    reunion = card(html, "Plateforme téléphonique de La Réunion")
    assert "Ouvert maintenant" in reunion and "Ferme à 12 h (heure locale)" in reunion
    assert "Fermé actuellement" in card(html, "Accueil de jour")  # 07:00 in Châlons
    at(loaded, MORNING)
    html = text_of(client.get("/?commune=51000&rayon_km=10"))
    assert "Fermé actuellement" in card(html, "Plateforme téléphonique de La Réunion")
    assert "Ouvert maintenant" in card(html, "Accueil de jour")
    page = text_of(client.get("/ressources/open--reunion"))
    assert "Fermé actuellement" in page and "(heure locale)" in page


def test_open_filters_in_the_form(client, loaded):
    at(loaded, EARLY)
    html = text_of(client.get("/?commune=51000&ouvert=maintenant"))
    assert "ouverts maintenant" in html
    assert "Plateforme téléphonique de La Réunion" in html  # 10:00 there
    assert "Samu social (115)" in html  # 24/7
    assert "Accueil de jour" not in html.split('id="nombre-resultats"')[1]  # 07:00 here
    assert "Centre d'hébergement" not in html.split('id="nombre-resultats"')[1]
    assert 'id="ouvert-maintenant" value="maintenant" checked' in html
    html = text_of(client.get("/?commune=51000&ouvert=aujourdhui"))
    assert "Accueil de jour" in html.split('id="nombre-resultats"')[1]
    refused = client.get("/?commune=51000&ouvert=demain")
    assert refused.status_code == 400
    assert "n'est pas un choix d'ouverture" in text_of(refused)


# --- the sheet's texts, links ---------------------------------------------------------------


def test_gsm7_conversion_and_count():
    assert sms.to_gsm7("Accueil de jour – l’Étape « Noël » : être aidé") == (
        'Accueil de jour - l\'Étape " Noel " : etre aidé'
    )
    assert all(c in sms.GSM7_BASIC for c in sms.to_gsm7("œuvre çà et là, Île, ô, ü, ß"))
    assert sms.count("a" * 160) == 1 and sms.count("a" * 161) == 2 and sms.count("a" * 306) == 2
    assert sms.length("€") == 2


def test_sms_for_two_resources_fits_two_sms_even_with_long_names_and_links():
    long_name = "Centre communal d’action sociale – permanence logement et hébergement " * 2
    url = "https://relais.example.fr/r/dora--0c3a0e9e-5b8f-4a3e-9c1d-7e2f3a4b5c6d"
    text = sms.sms_text([(long_name, "03 26 00 00 01", url), ("Épicerie", "115", url + "x")])
    assert sms.length(text) <= 306 and sms.count(text) <= 2
    assert all(c in sms.GSM7_BASIC for c in text)
    assert url in text and url + "x" in text and "03 26 00 00 01" in text and "115" in text
    assert "Centre communal d'action sociale - permanence" in text and "..." in text


def test_the_sheet_has_an_sms_and_an_email_text(client, loaded):
    html = text_of(client.get("/orientation?ids=open--accueil&ids=open--samu"))
    sms_text = html[html.index("data-relais-sms>") + len("data-relais-sms>") :]
    sms_text = sms_text[: sms_text.index("</textarea>")]
    assert sms_text.startswith("Vos contacts :")
    assert "1. Accueil de jour - l'Étape, 03 26 00 00 02, http://localhost/r/open--accueil" in (
        sms_text
    )
    assert "2. Samu social (115), 115, http://localhost/r/open--samu" in sms_text
    assert len(sms_text) <= 306 and "’" not in sms_text and "–" not in sms_text
    assert f"{len(sms_text)} caractères, 1 SMS" in html
    # The e-mail keeps the long form (address, hours).
    assert "Du lundi au vendredi : de 9 h à 12 h" in html[html.index('id="message"') :]
    short = client.get("/r/open--accueil")
    assert short.status_code == 301 and short.headers["Location"].endswith(
        "/ressources/open--accueil"
    )


def test_route_links_and_distances_as_the_crow_flies(client, loaded):
    html = text_of(client.get(f"/?commune=51000&thematiques={HEBERGEMENT}"))
    accueil = card(html, "Accueil de jour")
    assert "À 1,1 km à vol d'oiseau" in accueil
    assert (
        'href="https://www.openstreetmap.org/directions?from=48.96409%2C4.37884&to=48.97409%2C4.37884"'
        in accueil
    )
    assert 'data-relais-copy-text="03 26 00 00 02"' in accueil
    assert 'data-relais-copy-text="1 rue de la Marne, 51000 Châlons-en-Champagne"' in accueil


def test_route_provider_is_a_setting(app, client, loaded):
    loaded.settings["ROUTE_PROVIDER"] = "google"
    html = text_of(client.get("/ressources/open--accueil"))
    assert 'href="https://www.google.com/maps/dir/?api=1&destination=48.97409%2C4.37884"' in html
    loaded.settings["ROUTE_PROVIDER"] = "aucun"
    assert "Itinéraire" not in text_of(client.get("/ressources/open--accueil"))
    with pytest.raises(ConfigError, match="RELAIS_ROUTE_PROVIDER"):
        settings_module.load({"ROUTE_PROVIDER": "mappy"}, environ={})


def test_cli_open_filter(runner, loaded):
    loaded.search_service.clock = lambda: EARLY
    result = runner(["search", "--commune", "51108", "--ouvert", "maintenant", "--json"])
    assert result.exit_code == 0, result.output

    names = [item["nom"] for item in json.loads(result.output)["items"]]
    assert (
        "Plateforme téléphonique de La Réunion" in names
        and "Accueil de jour – l’Étape" not in names
    )
    refused = runner(["search", "--commune", "51108", "--ouvert", "demain"])
    assert refused.exit_code != 0 and "demain" in refused.output
