"""``/api/v1/accompagnements``: the hand-over through the API, with keys bound to an
organisation (an agence, a Conseil départemental, a territory), on SQLite and PostgreSQL.

Every route, every error status (400 naming the field, 401, 403, 404, 409), the scoping of two
agences, two departments and two territories, and the audit log naming the key.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import Territory
from handover.dates import today_in_france
from relais.app import create_app

API = "/api/v1/accompagnements"
REIMS, CHALONS, MENDE, CHAUMONT = "51454", "51108", "48095", "52121"
TODAY = today_in_france().isoformat()


@dataclass
class World:
    app: object
    client: object
    runtime: object
    tokens: dict
    territories: dict
    worker_id: int

    def call(self, method: str, path: str, key: str | None = None, **kwargs):
        headers = {**kwargs.pop("headers", {}), **({"X-Api-Key": self.tokens[key]} if key else {})}
        return self.client.open(API + path, method=method, headers=headers, **kwargs)

    def get(self, path: str, key: str | None = None, **kwargs):
        return self.call("GET", path, key, **kwargs)

    def post(self, path: str, key: str | None = None, json=None):
        return self.call("POST", path, key, json=json if json is not None else {})


def proposal(**changes) -> dict:
    body = {
        "axe": 2,
        "identifiant_ft": "1234567A",
        "nom": "Martin",
        "prenom": "Léa",
        "date_naissance": "1985-04-12",
        "code_commune": REIMS,
        "telephone": "03 53 01 12 34",  # ARCEP range reserved for fiction (Grand Est)
        "beneficiaire_rsa": True,
        "freins": ["logement-hebergement", "difficultes-financieres"],
        "appreciations": ["freins_multiples"],
        "appreciation_texte": "Dettes de loyer et pas de véhicule.",
        "modalite": "entretiens_separes",
        "consentement_portees": ["transmission", "diagnostic", "entree"],
        "consentement_methode": "oral",
    }
    body.update(changes)
    return body


@pytest.fixture
def world(runtime, database) -> World:
    runtime.database = database  # cached_property: this test's backend (SQLite, PostgreSQL)
    accounts = runtime.accounts
    for code, partage in (("51", True), ("48", True), ("52", False)):
        accounts.set_departement(None, code, partage)
    accounts.store.replace_territories(
        "51",
        [Territory(None, "51", "MDS de Reims", "MDS"), Territory(None, "51", "MDS de Châlons")],
        {REIMS: "MDS de Reims", CHALONS: "MDS de Châlons"},
    )
    accounts.store.replace_territories(
        "48", [Territory(None, "48", "CMS de Mende", "CMS")], {MENDE: "CMS de Mende"}
    )
    territories = {
        t.nom: t.id for code in ("51", "48") for t in accounts.store.list_territories(code)
    }
    worker = accounts.create_user(None, "ts@cd51.example.fr", "travailleur_social", "51")
    for code, departement in (("FT51001", "51"), ("FT51002", "51"), ("FT48001", "48")):
        accounts.ensure_agence(code, departement)
    app = create_app({"TESTING": True, "RELAIS_RUNTIME": runtime})
    keys = app.extensions["relais_api"].keys
    from accounts.key_organisations import bind

    specs = {
        "ft-a": ("agence:FT51001", None),
        "ft-a-ag": ("agence:FT51001", "conseiller_ag"),
        "ft-b": ("agence:FT51002", None),
        "ft-48": ("agence:FT48001", None),
        "cd51": ("departement:51", None),
        "cd48": ("departement:48", None),
        "reims": (f"territoire:{territories['MDS de Reims']}", None),
        "chalons": (f"territoire:{territories['MDS de Châlons']}", None),
    }
    tokens = {
        name: keys.create(name, binding=bind(spec, accounts, role))[1]
        for name, (spec, role) in specs.items()
    }
    tokens["sans-portee"] = keys.create("sans-portee", scopes=["professionnels"])[1]
    return World(app, app.test_client(), runtime, tokens, territories, worker.id)


def propose(world: World, key: str = "ft-a", **changes) -> dict:
    response = world.post("", key, proposal(**changes))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(world: World, record_id: int, action: str, key: str, **body) -> dict:
    response = world.post(f"/{record_id}/{action}", key, body)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# --- the journeys ----------------------------------------------------------------------------


def test_axe_2_journey_with_four_organisations(world):
    preview = world.get(f"/destinataire?code_commune={REIMS}", "ft-a").get_json()
    assert preview["territoire"] == {"id": world.territories["MDS de Reims"], "nom": "MDS de Reims"}
    assert preview["libelle"].startswith("MDS de Reims")

    created = propose(world)
    assert created["statut"] == "transmise" and created["personne"]["nom"] == "Martin"
    read = world.get(f"/{created['id']}", "ft-a")
    assert read.headers["Cache-Control"] == "private, no-store"
    assert {"X-Api-Key", "Authorization"} <= set(read.vary)
    assert created["personne"]["beneficiaire_rsa"] is True
    assert created["consentement"]["methode"] == "oral"
    assert created["territoire"]["nom"] == "MDS de Reims" and created["agence"] == "FT51001"
    assert [a["action"] for a in created["actions"]] == ["annuler"]
    rid = created["id"]
    location = world.post("", "ft-a", proposal(identifiant_ft="7654321B")).headers["Location"]
    assert location.endswith(f"{API}/{rid + 1}")

    inbox = world.get(f"?territoire={world.territories['MDS de Reims']}", "reims").get_json()
    assert [item["id"] for item in inbox["items"]] == [rid + 1, rid]
    assert {c["statut"]: c["nombre"] for c in inbox["compteurs"]}["transmise"] == 2

    record = act(world, rid, "attribuer", "reims", travailleur_social_id=world.worker_id)
    assert record["statut"] == "prise_en_charge" and record["referent_cd_id"] == world.worker_id
    act(world, rid, "diagnostic_cd", "reims", date=TODAY, synthese="Budget à reprendre.")
    record = act(
        world,
        rid,
        "diagnostic_ft",
        "ft-a-ag",
        date=TODAY,
        synthese="Projet clair.",
        tripartite=True,
    )
    assert {d["cote"]: d["tripartite"] for d in record["diagnostics"]} == {
        "departement": False,
        "france_travail": True,
    }
    act(world, rid, "accepter", "cd51", entree_prevue_le=TODAY)
    act(world, rid, "entrer", "ft-a-ag", entree_le=TODAY)
    record = act(world, rid, "renouveler", "cd51")
    assert record["statut"] == "renouvelee" and record["fin_prevue_le"]
    record = act(world, rid, "terminer", "cd51", terminee_le=TODAY, motif_fin="emploi")
    assert record["statut"] == "terminee" and record["motif_fin"] == "emploi"
    assert [(e["action"], e["vers"]) for e in record["evenements"]] == [
        ("proposer", "transmise"),
        ("attribuer", "prise_en_charge"),
        ("diagnostic_cd", "prise_en_charge"),
        ("diagnostic_ft", "prise_en_charge"),
        ("accepter", "acceptee"),
        ("entrer", "entree"),
        ("renouveler", "renouvelee"),
        ("terminer", "terminee"),
    ]
    assert record["evenements"][0]["par"].startswith("Clé d'API « ft-a »")

    # Audit entries name the key: creation, reads and actions.
    audit = world.runtime.accounts.store.list_audit("51", 500)
    by_key = {(e.actor_email, e.action) for e in audit}
    assert ("cle-api:ft-a", "orientation_creation") in by_key
    assert ("cle-api:reims", "orientation_attribuer") in by_key
    assert ("cle-api:ft-a-ag", "orientation_diagnostic_ft") in by_key
    assert ("cle-api:reims", "orientation_liste") in by_key
    world.get(f"/{rid}", "cd51")
    reads = [
        e
        for e in world.runtime.accounts.store.list_audit("51", 500)
        if e.record.endswith(f":{rid}")
    ]
    assert any(e.actor_email == "cle-api:cd51" and e.action == "orientation_lecture" for e in reads)


def test_axe_3_redirect_refusal_and_cancellation(world):
    rid = propose(world, axe=3)["id"]
    record = act(
        world,
        rid,
        "rediriger",
        "reims",
        territoire_id=world.territories["MDS de Châlons"],
        motif="Adresse à Châlons",
    )
    assert record["territoire"]["nom"] == "MDS de Châlons" and record["redirections"] == 1
    # The record left Reims' scope: its coordinator now gets a 403, Châlons' sees it.
    assert world.get(f"/{rid}", "reims").status_code == 403
    act(world, rid, "prendre_en_charge", "chalons")
    act(world, rid, "diagnostic_cd", "chalons", date=TODAY, synthese="Situation de logement.")
    record = act(
        world, rid, "refuser", "chalons", motifs_refus=["capacite"], refus_communicable=True
    )
    assert record["statut"] == "refusee" and record["refus_communicable"] is True

    other = propose(world, identifiant_ft="7654321B")["id"]
    record = act(world, other, "annuler", "ft-a", motif_annulation="retrait_consentement")
    assert record["statut"] == "annulee" and record["appreciation_texte"] == ""
    assert record["consentement"]["retire_le"] == TODAY


# --- scoping ---------------------------------------------------------------------------------


def test_keys_of_two_agences_and_two_departments_see_their_own(world):
    a = propose(world)["id"]
    b = propose(world, "ft-b", identifiant_ft="2222222B")["id"]
    lozere = propose(world, "ft-48", identifiant_ft="4848484C", code_commune=MENDE)["id"]

    def ids(key: str) -> set[int]:
        return {item["id"] for item in world.get("", key).get_json()["items"]}

    assert ids("ft-a") == ids("ft-a-ag") == {a}
    assert ids("ft-b") == {b}
    assert ids("cd51") == {a, b}
    assert ids("cd48") == {lozere}
    assert ids("reims") == {a, b}  # both live in Reims
    assert ids("chalons") == set()
    for key, record in (("ft-b", a), ("ft-a", b), ("cd48", a), ("cd51", lozere), ("chalons", a)):
        response = world.get(f"/{record}", key)
        assert response.status_code == 403, key
        assert response.get_json()["code"] == "acces_interdit"
        assert "périmètre" in response.get_json()["message"]
        # Nor may they act on it.
        assert (
            world.post(f"/{record}/annuler", key, {"motif_annulation": "erreur"}).status_code == 403
        )
    # A territory key cannot read another territory's inbox.
    other = world.get(f"?territoire={world.territories['MDS de Reims']}", "chalons")
    assert other.status_code == 403 and "territoire" in other.get_json()["message"]
    lozere_inbox = world.get(f"?territoire={world.territories['CMS de Mende']}", "cd51")
    assert lozere_inbox.status_code == 403


def test_list_filters_and_pages(world):
    first = propose(world)["id"]
    for number in range(2, 5):
        propose(world, identifiant_ft=f"{number}{number}{number}4567A")
    act(world, first, "prendre_en_charge", "reims")
    page = world.get("?size=2&page=2", "cd51").get_json()
    assert (page["total"], page["pages"], page["page"], page["size"]) == (4, 2, 2, 2)
    assert len(page["items"]) == 2
    only = world.get("?statut=prise_en_charge", "cd51").get_json()
    assert [i["id"] for i in only["items"]] == [first] and only["total"] == 1
    both = world.get("?statut=transmise,prise_en_charge", "cd51").get_json()
    assert both["total"] == 4


# --- errors ----------------------------------------------------------------------------------


def test_without_a_key_401_and_without_the_scope_403(world):
    for path in ("", "/vocabulaire", f"/destinataire?code_commune={REIMS}", "/1"):
        response = world.get(path)
        assert response.status_code == 401 and response.get_json()["code"] == "cle_requise"
        response = world.get(path, "sans-portee")
        assert response.status_code == 403
        assert response.get_json()["code"] == "portee_manquante"
        assert "accompagnements" in response.get_json()["message"]
    assert world.post("", "sans-portee", proposal()).status_code == 403


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"identifiant_ft": "1 85 04 75 123 456"}, "identifiant_ft"),
        ({"axe": 4}, "axe"),
        ({"code_commune": "99999"}, "code_commune"),
        ({"code_commune": CHAUMONT}, "code_commune"),  # the CD 52 does not receive them
        ({"freins": ["pas-une-thematique"]}, "freins"),
        ({"appreciation_texte": "x" * 1001}, "appreciation_texte"),
        ({"consentement_portees": ["transmission"]}, "consentement_portees"),
        ({"telephone": "", "courriel": ""}, "telephone"),
    ],
)
def test_bad_proposal_is_a_400_naming_the_field(world, changes, field):
    response = world.post("", "ft-a", proposal(**changes))
    body = response.get_json()
    assert response.status_code == 400, body
    assert body["code"] == "requete_invalide" and list(body["errors"]) == [field]
    assert body["errors"][field] == [body["message"]]
    assert world.get("", "cd51").get_json()["total"] == 0  # nothing was stored


def test_an_empty_proposal_is_a_400_naming_every_field_at_once(world):
    response = world.post("", "ft-a", {})
    body = response.get_json()
    assert response.status_code == 400, body
    assert list(body["errors"]) == [
        "axe",
        "identifiant_ft",
        "nom",
        "prenom",
        "date_naissance",
        "code_commune",
        "telephone",
        "freins",
        "consentement_portees",
        "consentement_methode",
    ]
    assert body["errors"]["date_naissance"] == ["Date de naissance : obligatoire."]
    assert body["errors"]["code_commune"] == ["Commune de résidence : obligatoire."]
    assert all(message in body["message"] for [message] in body["errors"].values())
    two = world.post("", "ft-a", proposal(identifiant_ft="12", freins=["inconnu"])).get_json()
    assert list(two["errors"]) == ["identifiant_ft", "freins"]
    assert world.get("", "cd51").get_json()["total"] == 0  # nothing was stored


def test_badly_typed_or_unknown_fields_are_400s_in_french(world):
    response = world.post("", "ft-a", proposal(axe="deux", nir="185047512345678"))
    body = response.get_json()
    assert response.status_code == 400
    assert body["errors"] == {"axe": ["Nombre entier attendu."], "nir": ["Champ inconnu."]}
    response = world.post("", "ft-a", proposal(beneficiaire_rsa="peut-être"))
    assert response.get_json()["errors"] == {
        "beneficiaire_rsa": ["Booléen attendu (true ou false)."]
    }
    broken = world.call(
        "POST", "", "ft-a", data="{axe: 2", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.get_json()["errors"] == {"_requete": ["Corps JSON illisible."]}
    not_an_object = world.post("", "ft-a", [proposal()])
    assert not_an_object.status_code == 400
    assert "Objet JSON attendu." in str(not_an_object.get_json()["errors"])
    routing = world.get("/destinataire", "ft-a")
    assert routing.status_code == 400 and "code_commune" in routing.get_json()["errors"]
    unknown = world.get("?statut=perdue", "cd51")
    assert unknown.status_code == 400 and "statut" in unknown.get_json()["errors"]
    bad_action = world.post(
        f"/{propose(world)['id']}/attribuer", "reims", {"travailleur_social_id": 999}
    )
    assert bad_action.status_code == 400
    assert list(bad_action.get_json()["errors"]) == ["travailleur_social_id"]


def test_role_refusals_are_403_in_french(world):
    rid = propose(world)["id"]
    response = world.post(f"/{rid}/prendre_en_charge", "ft-a")
    assert response.status_code == 403
    assert (
        "n'est pas ouvert au rôle « Conseiller France Travail »" in response.get_json()["message"]
    )
    # Only an agence key proposes.
    response = world.post("", "cd51", proposal(identifiant_ft="9999999Z"))
    assert response.status_code == 403 and response.get_json()["code"] == "acces_interdit"


def test_unknown_record_or_action_is_a_404(world):
    response = world.get("/424242", "cd51")
    assert response.status_code == 404
    assert response.get_json()["code"] == "orientation_introuvable"
    assert world.post("/424242/annuler", "ft-a").status_code == 404
    rid = propose(world)["id"]
    for action in ("voler", "expirer", "proposer"):
        response = world.post(f"/{rid}/{action}", "ft-a")
        assert response.status_code == 404 and response.get_json()["code"] == "action_inconnue"


def test_illegal_transitions_and_duplicates_are_409s(world):
    rid = propose(world)["id"]
    response = world.post(f"/{rid}/entrer", "cd51", {"entree_le": TODAY})
    body = response.get_json()
    assert response.status_code == 409 and body["code"] == "transition_impossible"
    assert "« Enregistrer l'entrée » n'est pas possible" in body["message"]
    act(world, rid, "prendre_en_charge", "reims")
    guard = world.post(f"/{rid}/accepter", "cd51", {"entree_prevue_le": TODAY})
    assert guard.status_code == 409 and "deux diagnostics" in guard.get_json()["message"]
    duplicate = world.post("", "ft-a", proposal())
    body = duplicate.get_json()
    assert duplicate.status_code == 409 and body["code"] == "orientation_existante"
    assert "Prise en charge" in body["message"] and "MDS de Reims" in body["message"]
    # The other agence gets the same answer: one open proposal per person and axe.
    assert world.post("", "ft-b", proposal()).status_code == 409


def test_vocabulary_lists_statuses_reasons_and_the_transition_table(world):
    body = world.get("/vocabulaire", "ft-a").get_json()
    assert [s["code"] for s in body["statuts"]][:2] == ["transmise", "prise_en_charge"]
    assert {
        "code": "capacite",
        "libelle": "Pas de place dans l'accompagnement pour l'instant",
    } in body["motifs_refus"]
    entrer = next(t for t in body["transitions"] if t["action"] == "entrer")
    assert entrer["depuis"] == ["acceptee"] and entrer["vers"] == "entree"
    assert "conseiller" not in entrer["roles"] and "conseiller_ag" in entrer["roles"]
    assert {a["code"] for a in body["axes"]} == {"2", "3"}


# --- keys bound to organisations ---------------------------------------------------------------


def test_key_binding_is_stored_and_listed(world):
    listed = {k.name: k for k in world.app.extensions["relais_api"].keys.list_keys()}
    assert listed["ft-a-ag"].binding.role == "conseiller_ag"
    assert listed["ft-a-ag"].binding.agence == "FT51001"
    assert listed["reims"].binding.territoire_id == world.territories["MDS de Reims"]
    assert (
        listed["cd48"].to_dict()["organisation"]["libelle"].startswith("Conseil départemental 48")
    )
    assert "accompagnements" in listed["cd48"].scopes
    assert listed["sans-portee"].binding is None


def test_cli_creates_bound_keys_and_refuses_bad_organisations(world, runtime):
    from click.testing import CliRunner

    from relais.cli import main

    def run(*args):
        return CliRunner().invoke(main, ["keys", "create", *args], obj={"runtime": lambda: runtime})

    done = run("si-ft", "--organisation", "agence:FT51001", "--role", "conseiller_ag")
    assert done.exit_code == 0, done.output
    assert "Agence France Travail FT51001 (51)" in done.output
    token = done.output.splitlines()[0]
    assert world.client.get(API, headers={"X-Api-Key": token}).status_code == 200
    reims = world.territories["MDS de Reims"]
    assert run("mds", "--organisation", f"territoire:{reims}").exit_code == 0
    assert run("new", "--organisation", "agence:FT51999:51").exit_code == 0
    by_name = run("mds-chalons", "--organisation", "territoire:51:mds de châlons")
    assert by_name.exit_code == 0 and "Territoire n° " in by_name.output
    for args, message in (
        (("a", "--organisation", "agence:FT00000"), "Agence inconnue"),
        (("b", "--organisation", "departement:52"), "ne partage pas la base"),
        (("c", "--organisation", "mairie:51"), "Organisation invalide"),
        (("d", "--organisation", "territoire:999999"), "Aucun territoire"),
        (("g", "--organisation", "territoire:51:MDS d'ailleurs"), f"{reims} : MDS de Reims"),
        (("h", "--organisation", "territoire:reims"), "ni un identifiant ni DEPARTEMENT:NOM"),
        (("e", "--organisation", "agence:FT51001:48"), "relève du département 51"),
        (("f", "--role", "conseiller_ag"), "--role s'emploie avec --organisation"),
    ):
        result = run(*args)
        assert result.exit_code == 1 and message in result.output, (args, result.output)
    listed = CliRunner().invoke(main, ["keys", "list"], obj={"runtime": lambda: runtime})
    assert "pour : Territoire n°" in listed.output


def test_team_lists_territories_and_social_workers_for_cd_keys(world):
    team = world.get("/equipe", "reims").get_json()
    assert team["departement"] == "51"
    assert {t["nom"] for t in team["territoires"]} == {"MDS de Reims", "MDS de Châlons"}
    assert {"id": world.territories["MDS de Reims"], "nom": "MDS de Reims", "type": "MDS"} in (
        team["territoires"]
    )
    assert team["travailleurs_sociaux"] == [
        {"id": world.worker_id, "nom": "ts@cd51.example.fr", "territoire_id": None}
    ]
    assert world.get("/equipe", "cd48").get_json()["travailleurs_sociaux"] == []
    refused = world.get("/equipe", "ft-a")
    assert refused.status_code == 403 and "Conseil départemental" in refused.get_json()["message"]
    assert world.get("/equipe").status_code == 401


def test_cd_keys_close_when_the_department_stops_sharing_the_base(world):
    assert world.get("", "reims").status_code == 200
    world.runtime.accounts.set_departement(None, "51", False)
    for key in ("reims", "cd51"):
        response = world.get("", key)
        assert (
            response.status_code == 403
            and "ne partage plus la base" in (response.get_json()["message"])
        )
    assert world.get("", "ft-a").status_code == 200  # France Travail's keys do not depend on it
    assert world.get("", "cd48").status_code == 200


def test_refusal_at_reception_and_reorientation(world):
    refused = propose(world)["id"]
    record = act(
        world,
        refused,
        "refuser_reception",
        "cd51",
        motifs_refus=["hors_territoire", "deja_accompagnee"],
        refus_communicable=False,
        commentaire="Suivie par le CCAS.",
    )
    assert record["statut"] == "refusee" and record["motifs_refus"] == [
        "hors_territoire",
        "deja_accompagnee",
    ]
    assert record["refus_communicable"] is False and record["actions"] == []
    assert (
        record["evenements"][-1]["motif"]
        == "hors_territoire, deja_accompagnee — Suivie par le CCAS."
    )

    moved = propose(world, identifiant_ft="3333333C")["id"]
    act(world, moved, "prendre_en_charge", "reims")
    record = act(world, moved, "reorienter", "reims", motif="Santé d'abord.")
    assert record["axe"] == 3 and record["axe_libelle"] == "Accompagnement social exclusif"
    assert record["evenements"][-1]["motif"].endswith("Santé d'abord.")
    missing = world.post(f"/{moved}/reorienter", "reims", {})
    assert missing.status_code == 400 and list(missing.get_json()["errors"]) == ["motif"]
