"""What the last review saw: labels lower-cased inside a sentence or list (acronyms kept), a
count that never wraps and groups thousands, a distance badge that keeps "km"."""

from __future__ import annotations

from html import unescape

from test_web import _r

from web.helpers import lower_first, plural


def test_lower_first_and_plural():
    assert lower_first("Se présenter") == "se présenter"
    assert lower_first("En présentiel") == "en présentiel"
    assert lower_first("RSA") == "RSA" and lower_first("") == ""
    assert plural(0, "ressource") == "0 ressource"
    assert plural(20_000, "ligne lue", "lignes lues") == "20\u202f000 lignes lues"


def test_resource_page_lists_read_as_french(client, runtime):
    both = _r(
        "mixte",
        "Permanence mixte",
        modes_accueil=["en-presentiel", "a-distance"],
        modes_mobilisation=["telephoner", "se-presenter"],
        mobilisable_par=["usagers", "professionnels"],
        publics=["jeunes", "femmes"],
    )
    runtime.store.replace(
        "departement", "51", [both], {"fichiers": ["test"]}, writers=runtime.store_writers()
    )
    runtime.after_store_change()
    html = unescape(client.get("/ressources/web--mixte").get_data(as_text=True))
    assert "En présentiel et à distance" in html
    assert "Téléphoner, se présenter" in html
    assert "Usagers, professionnels" in html
    assert "Jeunes, femmes" in html
    results = unescape(client.get("/?code_commune=51108").get_data(as_text=True))
    assert '<strong class="relais-nowrap">1 ressource</strong>' in results
    assert 'relais-badge--casse">À ' in results and " km à vol d'oiseau</p>" in results
