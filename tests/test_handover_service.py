"""The hand-over service on the relational store, on SQLite and on a real PostgreSQL server:
the journey, the rules the database enforces, the row-level scope, purge on withdrawal."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from accounts.models import Territory
from accounts.scoping import AccessDenied
from accounts.services import AccountService
from handover import access
from handover.models import (
    Event,
    HandOverConflict,
    HandOverError,
    IllegalTransition,
)
from handover.services import HandOverService
from persistence.accounts import SqlAccountStore
from persistence.handovers import SqlHandOverStore

TODAY = date(2026, 11, 30)
PASSWORD = "mot-de-passe-solide"
FORM = {
    "axe": "2",
    "identifiant_ft": "1234567A",
    "nom": "Martin",
    "prenom": "Léa",
    "date_naissance": "1985-04-12",
    "code_commune": "51454",
    "telephone": "06 12 34 56 78",
    "freins": ["logement-hebergement", "sante"],
    "appreciations": ["freins_multiples"],
    "appreciation_texte": "Hébergée chez un tiers, dettes de loyer.",
    "modalite": "entretiens_separes",
    "consentement_portees": ["transmission", "diagnostic", "entree"],
    "consentement_methode": "oral",
}
DEPARTEMENTS = {"51454": "51", "51230": "51", "52448": "52"}


class World:
    def __init__(self, database):
        self.accounts = AccountService(SqlAccountStore(database))
        self.store = SqlHandOverStore(database)
        self.service = HandOverService(
            self.store,
            self.accounts,
            DEPARTEMENTS.get,
            lambda identifiant: f"cle-{identifiant}",
            today=lambda: TODAY,
        )
        for code in ("51", "52"):
            self.accounts.set_departement(None, code, True)
        self.accounts.store.replace_territories(
            "51",
            [
                Territory(None, "51", "MDS Reims", "MDS", "mds-reims@cd51.fr"),
                Territory(None, "51", "MDS Épernay", "MDS", "mds-epernay@cd51.fr"),
            ],
            {"51454": "MDS Reims", "51230": "MDS Épernay"},
        )
        self.accounts.store.replace_territories(
            "52",
            [Territory(None, "52", "CMS Langres", "CMS", "cms@cd52.fr")],
            {"52448": "CMS Langres"},
        )
        ids = {t.nom: t.id for c in ("51", "52") for t in self.accounts.store.list_territories(c)}
        self.territory = ids

        def user(email, role, departement, **kw):
            return self.accounts.create_user(
                None, email, role, departement, password=PASSWORD, **kw
            )

        self.conseiller = user("c@ft.fr", "conseiller", "51", agence="51001")
        self.other_agence = user("c2@ft.fr", "conseiller", "51", agence="51002")
        self.ag = user("ag@ft.fr", "conseiller_ag", "51", agence="51001")
        self.coord = user("co@cd51.fr", "coordinateur", "51", territoire_id=ids["MDS Reims"])
        self.coord_epernay = user(
            "co2@cd51.fr", "coordinateur", "51", territoire_id=ids["MDS Épernay"]
        )
        self.ts = user("ts@cd51.fr", "travailleur_social", "51", territoire_id=ids["MDS Reims"])
        self.admin52 = user("a@cd52.fr", "admin_departemental", "52")

    def propose(self, **changes):
        return self.service.propose(self.conseiller, {**FORM, **changes})


@pytest.fixture
def world(database):
    return World(database)


def test_a_whole_axe2_journey_with_events_and_audit(world):
    s = world.service
    record = world.propose()
    assert (record.status, record.territoire_id) == ("transmise", world.territory["MDS Reims"])
    assert record.reference == f"2026-51-{record.id:06d}"
    record = s.act(world.coord, record.id, "attribuer", {"travailleur_social_id": world.ts.id})
    assert (record.status, record.referent_cd_id) == ("prise_en_charge", world.ts.id)
    record = s.act(world.ag, record.id, "diagnostic_ft", {"date": "2026-11-30", "synthese": "FT"})
    with pytest.raises(IllegalTransition, match="deux diagnostics"):
        s.act(world.ts, record.id, "accepter", {"entree_prevue_le": "2026-12-10"})
    record = s.act(
        world.ts,
        record.id,
        "diagnostic_cd",
        {"date": "2026-11-30", "synthese": "CD", "tripartite": "oui"},
    )
    # Each side reads the other's summary.
    seen_by_ag = s.read(world.ag, record.id)
    assert seen_by_ag.diagnostic("departement").synthese == "CD"
    record = s.act(world.ts, record.id, "accepter", {"entree_prevue_le": "2026-12-10"})
    record = s.act(world.ag, record.id, "entrer", {"entree_le": "2026-11-30"})
    assert (record.status, record.fin_prevue_le) == ("entree", date(2027, 11, 30))
    record = s.act(world.ts, record.id, "renouveler")
    assert record.fin_prevue_le == date(2028, 5, 30)
    record = s.act(
        world.ts, record.id, "terminer", {"terminee_le": "2026-11-30", "motif_fin": "emploi"}
    )
    assert (record.status, record.cloturee_le) == ("terminee", TODAY)
    full = world.store.get(record.id)
    assert [(e.from_status, e.to_status) for e in full.events] == [
        (None, "transmise"),
        ("transmise", "prise_en_charge"),
        ("prise_en_charge", "prise_en_charge"),
        ("prise_en_charge", "prise_en_charge"),
        ("prise_en_charge", "acceptee"),
        ("acceptee", "entree"),
        ("entree", "renouvelee"),
        ("renouvelee", "terminee"),
    ]
    assert full.events[-1].reason == "Emploi"
    actions = [e.action for e in world.accounts.store.list_audit("51")]
    assert "orientation_lecture" in actions and "orientation_creation" in actions


def test_one_open_proposal_per_person_and_axe_and_one_axe2_entry_ever(world):
    first = world.propose()
    with pytest.raises(HandOverConflict, match="statut « Transmise », MDS Reims"):
        world.propose()
    axe3 = world.propose(axe="3")  # another axe is another proposal
    assert axe3.axe == 3
    # The database refuses too, whatever the code above it does.
    with pytest.raises(HandOverConflict, match="déjà ouverte"):
        world.store.add(replace(first, id=None), Event("t", "proposer", None, "transmise", 1, "x"))
    world.service.act(world.conseiller, axe3.id, "annuler", {"motif_annulation": "erreur"})
    s = world.service
    s.act(world.coord, first.id, "attribuer", {"travailleur_social_id": world.ts.id})
    s.act(world.ag, first.id, "diagnostic_ft", {"date": "2026-11-30", "synthese": "a"})
    s.act(world.ts, first.id, "diagnostic_cd", {"date": "2026-11-30", "synthese": "b"})
    s.act(world.ts, first.id, "accepter", {"entree_prevue_le": "2026-12-01"})
    s.act(world.ts, first.id, "entrer", {"entree_le": "2026-11-30"})
    s.act(world.ts, first.id, "terminer", {"terminee_le": "2026-11-30", "motif_fin": "abandon"})
    with pytest.raises(HandOverConflict, match="déjà entrée en accompagnement global"):
        world.propose()
    closed = world.store.get(first.id)
    with pytest.raises(HandOverConflict):
        world.store.add(
            replace(closed, id=None, status="entree"),
            Event("t", "proposer", None, "entree", 1, "x"),
        )


def test_scope_coordinateurs_see_their_territory_advisers_their_agence(world):
    reims = world.propose()
    epernay = world.propose(identifiant_ft="7654321B", code_commune="51230")
    with pytest.raises(AccessDenied):
        world.service.read(world.coord_epernay, reims.id)
    with pytest.raises(AccessDenied):
        world.service.read(world.admin52, reims.id)
    with pytest.raises(AccessDenied):
        world.service.read(world.other_agence, reims.id)
    with pytest.raises(AccessDenied, match="votre territoire"):
        world.service.inbox(world.coord_epernay, territoire_id=world.territory["MDS Reims"])
    records, counts = world.service.inbox(world.coord_epernay)
    assert [r.id for r in records] == [epernay.id] and counts == {"transmise": 1}
    records, _ = world.service.inbox(world.conseiller)
    assert {r.id for r in records} == {reims.id, epernay.id}
    assert world.service.inbox(world.other_agence)[0] == []
    # The SQL filter and the Python rule agree for every person and record.
    people = [world.conseiller, world.other_agence, world.ag, world.coord, world.coord_epernay]
    people += [world.ts, world.admin52]
    for person in people:
        listed = {r.id for r in world.store.list(access.scope_of(person))}
        expected = {r.id for r in (reims, epernay) if access.sees(person, world.store.get(r.id))}
        assert listed == expected, person.email


def test_redirect_keeps_the_first_date_and_counts(world):
    record = world.propose()
    with pytest.raises(HandOverError, match="Motif"):
        world.service.act(
            world.coord, record.id, "rediriger", {"territoire_id": world.territory["MDS Épernay"]}
        )
    moved = world.service.act(
        world.coord,
        record.id,
        "rediriger",
        {"territoire_id": world.territory["MDS Épernay"], "motif": "Adresse à Épernay"},
    )
    assert (moved.territoire_id, moved.redirections) == (world.territory["MDS Épernay"], 1)
    assert moved.proposee_le == record.proposee_le and moved.status == "transmise"
    assert world.service.read(world.coord_epernay, record.id).id == record.id
    with pytest.raises(AccessDenied):
        world.service.read(world.coord, record.id)


def test_withdrawn_consent_purges_the_free_texts_at_once(world):
    record = world.propose()
    world.service.act(world.coord, record.id, "prendre_en_charge")
    world.service.act(
        world.coord, record.id, "diagnostic_cd", {"date": "2026-11-30", "synthese": "x"}
    )
    done = world.service.act(
        world.conseiller, record.id, "annuler", {"motif_annulation": "retrait_consentement"}
    )
    assert done.status == "annulee" and done.appreciation_texte == ""
    assert [d.synthese for d in done.diagnostics] == [""]
    assert done.consent.retire_le == TODAY and done.textes_purges_le == TODAY


def test_a_stale_action_is_refused_not_applied_twice(world):
    record = world.propose()
    world.service.act(world.coord, record.id, "prendre_en_charge")
    with pytest.raises(IllegalTransition, match="changé entre-temps"):
        world.store.save(replace(record, status="refusee"), None, expected_status="transmise")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"identifiant_ft": "1 85 04 12 345 678 90"}, "identifiant_ft"),
        ({"date_naissance": "12/04/2020"}, "date_naissance"),
        ({"code_commune": "99999"}, "code_commune"),
        ({"telephone": "12", "courriel": ""}, "telephone"),
        ({"freins": ["inconnu"]}, "freins"),
        ({"appreciation_texte": "x" * 1001}, "appreciation_texte"),
        ({"consentement_portees": ["transmission"]}, "consentement_portees"),
        ({"consentement_methode": ""}, "consentement_methode"),
        ({"axe": "1"}, "axe"),
    ],
)
def test_bad_proposals_name_their_field(world, changes, field):
    with pytest.raises(HandOverError) as error:
        world.propose(**changes)
    assert error.value.field == field
    assert world.service.inbox(world.conseiller)[0] == []


def test_a_department_that_does_not_share_the_base_receives_nothing(world):
    world.accounts.set_departement(None, "52", False)
    with pytest.raises(HandOverError, match="ne reçoit pas encore"):
        world.propose(code_commune="52448")


def test_an_empty_required_date_is_said_missing_a_bad_one_malformed(world):
    s = world.service
    record = world.propose()
    record = s.act(world.coord, record.id, "attribuer", {"travailleur_social_id": world.ts.id})
    with pytest.raises(HandOverError) as empty:
        s.act(world.ts, record.id, "diagnostic_cd", {"date": " ", "synthese": "CD"})
    assert (str(empty.value), empty.value.field) == ("Date de l'entretien : obligatoire.", "date")
    record = s.act(world.ag, record.id, "diagnostic_ft", {"date": "2026-11-30", "synthese": "FT"})
    record = s.act(world.ts, record.id, "diagnostic_cd", {"date": "2026-11-30", "synthese": "CD"})
    with pytest.raises(HandOverError) as missing:
        s.act(world.ts, record.id, "accepter", {"entree_prevue_le": ""})
    assert str(missing.value) == "Date d'entrée prévue : obligatoire."
    assert missing.value.field == "entree_prevue_le"
    with pytest.raises(HandOverError) as malformed:
        s.act(world.ts, record.id, "accepter", {"entree_prevue_le": "10/13/2026"})
    assert str(malformed.value) == (
        "Date d'entrée prévue : « 10/13/2026 » n'est pas une date (attendu : AAAA-MM-JJ)."
    )
    record = s.act(world.ts, record.id, "accepter", {"entree_prevue_le": "2026-12-10"})
    with pytest.raises(HandOverError, match=r"^Date d'entrée : obligatoire\.$"):
        s.act(world.ag, record.id, "entrer", {})
    record = s.act(world.ag, record.id, "entrer", {"entree_le": "2026-11-30"})
    with pytest.raises(HandOverError, match=r"^Date de fin : obligatoire\.$"):
        s.act(world.ts, record.id, "terminer", {"terminee_le": "", "motif_fin": "emploi"})
