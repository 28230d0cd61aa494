"""An agence's orientation records: its advisers read them, every other agence, role and
department is refused (403), route by route; the events keep nothing of the person."""

from __future__ import annotations

from html import unescape

import pytest
from conftest import csrf_token, make_user, sign_in
from test_web import resources

from accounts import scoping
from resource_base.orientation import OrientationEvent
from web.records.services import agence_records, event_day

PAGE = "/agences/{}/orientations"
PUBLIC, PRO = "web--budget", "web--pro"


@pytest.fixture
def loaded(runtime):
    runtime.store.replace(
        "departement", "51", resources(), {"fichiers": ["test"]}, writers=runtime.store_writers()
    )
    runtime.after_store_change()
    runtime.accounts.set_departement(None, "51", True)
    runtime.accounts.set_departement(None, "52", True)
    runtime.accounts.ensure_agence("AG51", "51", "Agence de Reims")
    runtime.accounts.ensure_agence("AG52", "52", "Agence de Chaumont")
    log = runtime.orientation_log
    log.record(
        OrientationEvent("51", "51454", ("mobilite",), (PUBLIC, "disparue"), "", "AG51"),
        now=None,
    )
    log.record(OrientationEvent("51", "51108", ("logement-hebergement", "sante"), (PRO,)))
    log.record(OrientationEvent("52", "52121", ("sante",), (PUBLIC,), agence="AG52"))
    return runtime


def _client(app, runtime, **user):
    client = app.test_client()
    sign_in(client, make_user(runtime, **user))
    return client


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_an_adviser_reads_the_records_of_their_agence(app, loaded):
    client = _client(app, loaded)
    response = client.get(PAGE.format("AG51"))
    html = text(response)
    assert response.status_code == 200, html
    assert "Orientations de l'agence Agence de Reims" in html
    assert "1 orientation" in html
    assert "Reims (51454)" in html and "Mobilité" in html
    name = loaded.search_service.engine.get(PUBLIC)["nom"]
    assert name in html and "Ressource retirée (disparue)" in html
    # Other agences' and agence-less events are not listed.
    assert "51108" not in html and "52121" not in html
    assert response.headers["Cache-Control"] == "private, no-store"
    # The header links the adviser to it, and /agence/orientations leads there.
    assert 'href="/agences/AG51/orientations"' in text(client.get("/"))
    mine = client.get("/agence/orientations")
    assert mine.status_code == 302 and mine.headers["Location"].endswith(PAGE.format("AG51"))


def test_an_orientation_posted_from_the_ui_appears_on_the_agence_page(app, loaded):
    client = _client(app, loaded, agence="AG51")
    token = csrf_token(client)
    posted = client.post(
        "/orientation",
        data={"ids": PRO, "csrf_token": token, "retour": "/?code_commune=51108&thematiques=sante"},
    )
    assert posted.status_code == 303
    html = text(client.get(PAGE.format("AG51")))
    assert "2 orientations" in html
    assert loaded.search_service.engine.get(PRO)["nom"] in html


@pytest.mark.parametrize(
    ("user", "agence"),
    [
        ({"agence": "AG51"}, "AG52"),  # an adviser, another agence
        ({"role": "conseiller_ag", "agence": "AG51"}, "AG52"),
        ({"role": "travailleur_social", "email": "ts@cd51.fr"}, "AG51"),  # CD staff
        ({"role": "coordinateur", "email": "coord@cd51.fr"}, "AG51"),
        ({"role": "admin_departemental", "email": "admin@cd51.fr"}, "AG52"),  # other department
        ({"role": "admin_departemental", "email": "admin@cd51.fr"}, "AG99"),  # unknown agence
    ],
)
def test_other_agences_records_are_refused(app, loaded, user, agence):
    client = _client(app, loaded, **user)
    response = client.get(PAGE.format(agence))
    assert response.status_code == 403
    assert "Chaumont" not in text(response) and "52121" not in text(response)


def test_admins_read_the_agences_in_their_scope(app, loaded):
    departmental = _client(app, loaded, role="admin_departemental", email="admin@cd51.fr")
    assert departmental.get(PAGE.format("AG51")).status_code == 200
    national = _client(app, loaded, role="admin_national", email="n@relais.fr", departement=None)
    assert "Chaumont" in text(national.get(PAGE.format("ag52")))


def test_anonymous_visitors_and_people_without_agence(app, loaded):
    anonymous = app.test_client().get(PAGE.format("AG51"))
    assert anonymous.status_code == 302 and "/connexion" in anonymous.headers["Location"]
    social = _client(app, loaded, role="travailleur_social", email="ts@cd51.fr")
    assert social.get("/agence/orientations").status_code == 403
    assert 'href="/agences/' not in text(social.get("/"))


def test_the_service_checks_scope_without_the_view(loaded):
    """Scoping holds in the service itself: a caller that forgets the view still gets refused."""
    other = make_user(loaded, "c52@ft52.fr", departement="52", agence="AG52")
    with pytest.raises(scoping.AccessDenied):
        agence_records(loaded, other, "AG51")
    with pytest.raises(scoping.AccessDenied):
        agence_records(loaded, None, "AG51")
    organisation, rows = agence_records(loaded, other, "ag52")
    assert organisation.code == "AG52" and [r.commune for r in rows] == ["Chaumont (52121)"]


def test_event_day():
    assert event_day("2026-11-30").isoformat() == "2026-11-30"
    assert event_day("2026-11-30T20:05:00Z").isoformat() == "2026-11-30"  # an older row
    assert event_day("pas une date") is None and event_day("") is None


def test_audit_labels_of_other_features():
    from accounts import audit_labels

    assert audit_labels.action_label("orientation_prendre_en_charge") == (
        "Orientation vers l'axe 2 ou 3 : prendre en charge"
    )
    assert audit_labels.record_label("orientation:7") == "Dossier d'orientation n° 7"
    assert audit_labels.action_label("creation_widget") == "Création d'un widget d'intranet"
    assert audit_labels.action_label("nouveau_code") == "nouveau_code"


def test_a_small_commune_reads_as_its_intercommunality(app, loaded, directory):
    """Orientation events of small communes keep only their EPCI (issue 13): shown by name."""
    commune = directory.get("51454")
    loaded.orientation_log.record(
        OrientationEvent("51", None, ("mobilite",), (PUBLIC,), agence="AG51", epci=commune.epci)
    )
    html = text(_client(app, loaded).get(PAGE.format("AG51")))
    assert f"{commune.epci_nom} (intercommunalité)" in html
    assert "2 orientations" in html
