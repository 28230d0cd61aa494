"""When there is no answer: said need by need, with suggestions that were checked to add
results, and help nearby outside the person's zone mentioned to the adviser only."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from resource_base.models import Resource

GARDE = "famille--garde-denfants"
ISPAGNAC = "commune=48320&code_commune=48075"
MENDE = (44.5294508592, 3.48086881176)  # 15 km from Ispagnac
LANGOGNE = (44.7237405653, 3.83363110341)  # 43 km
ISPAGNAC_PLACE = (44.3984529023, 3.53146290562)


def _r(rid: str, nom: str, place, **fields) -> Resource:
    lat, lon = place if place else (None, None)
    values = dict(
        id=f"gap--{rid}",
        source="gap",
        source_id=rid,
        departement="48",
        nom=nom,
        nom_structure="Structure de test",
        latitude=lat,
        longitude=lon,
        modes_accueil=fields.pop("modes_accueil", ["en-presentiel"]),
        zone_eligibilite=fields.pop("zone_eligibilite", ["48"]),
        date_maj=(date.today() - timedelta(days=10)).isoformat(),
    )
    values.update(fields)
    return Resource(**values)


@pytest.fixture
def loaded(runtime):
    data = [
        _r(
            "creche-mende",
            "Crèche municipale de Mende",
            MENDE,
            thematiques=[GARDE],
            zone_eligibilite=["48095"],
        ),
        _r("creche-langogne", "Micro-crèche de Langogne", LANGOGNE, thematiques=[GARDE]),
        _r(
            "garde-distance",
            "Relais petite enfance en ligne",
            None,
            thematiques=[GARDE],
            modes_accueil=["a-distance"],
        ),
        _r("garage", "Garage solidaire d'Ispagnac", ISPAGNAC_PLACE, thematiques=["mobilite"]),
    ]
    runtime.store.replace(
        "departement", "48", data, {"fichiers": ["test"]}, writers=runtime.store_writers()
    )
    return runtime


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def gap_block(html: str) -> str:
    start = html.index('id="aucun-resultat"')
    return html[start : html.index("</div>", start)]


def links(block: str) -> dict[str, str]:
    return {
        unescape(text).strip(): unescape(href)
        for href, text in re.findall(r'<a href="([^"]+)">([^<]+)</a>', block)
    }


def test_a_need_without_answer_is_said_with_suggestions_that_add_results(client, loaded):
    response = client.get(
        f"/?{ISPAGNAC}&thematiques={GARDE}&modes_accueil=en-presentiel&rayon_km=30"
    )
    assert response.status_code == 200
    html = text_of(response)
    block = gap_block(html)
    assert "Aucune ressource « Garde d’enfants » éligible pour Ispagnac" in block
    found = links(block)
    wider = "1 ressource en élargissant à 50 km (la plus proche à 43 km à vol d'oiseau)"
    assert wider in found
    assert "1 service à distance" in found
    # Each suggestion really adds results: follow it.
    after = text_of(client.get(found[wider]))
    assert "Micro-crèche de Langogne" in after and "1 ressource</strong>" in after
    remote = text_of(client.get(found["1 service à distance"]))
    assert "Relais petite enfance en ligne" in remote
    # Nearby but outside the person's zone: mentioned for the adviser, marked not eligible.
    assert "Pour information (non éligible pour Ispagnac)" in block
    assert "Crèche municipale de Mende" in block and "Non éligible" in block
    assert "à 15 km à vol d'oiseau" in block
    # It is not in the results themselves.
    assert 'name="ids" id="choix-' not in html


def test_only_the_need_without_answer_is_said(client, loaded):
    html = text_of(
        client.get(
            f"/?{ISPAGNAC}&thematiques={GARDE}&thematiques=mobilite&modes_accueil=en-presentiel"
        )
    )
    assert "Garage solidaire d'Ispagnac" in html  # the need that has an answer
    assert "Aucune ressource « Garde d’enfants » éligible pour Ispagnac" in html
    assert "Aucune ressource « Mobilité »" not in html
    args = [parse_qs(urlsplit(href).query) for href in links(gap_block(html)).values()]
    assert any(a.get("rayon_km") == ["50"] and a.get("thematiques") == [GARDE] for a in args)


def test_no_gap_when_every_need_has_an_answer(client, loaded):
    html = text_of(client.get(f"/?{ISPAGNAC}&thematiques={GARDE}"))  # the remote service answers
    assert "Relais petite enfance en ligne" in html and "aucun-resultat" not in html


def test_the_widget_says_it_without_the_resources_outside_the_zone(client, loaded, widget_path):
    html = text_of(client.get(f"{widget_path}?{ISPAGNAC}&thematiques=sante"))
    assert "Aucune ressource « Santé » éligible pour Ispagnac" in html
    html = text_of(
        client.get(
            f"{widget_path}?{ISPAGNAC}&thematiques={GARDE}&rayon_km=10&modes_accueil=en-presentiel"
        )
    )
    block = gap_block(html)
    assert "Crèche municipale de Mende" not in block  # the public does not see it
    assert all(href.startswith(f"{widget_path}?") for href in links(block).values())
