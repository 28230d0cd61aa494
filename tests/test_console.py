"""The department console at work: members, territories, resource upload and its rejects,
import history, audit log (the 403s are in tests/test_access.py)."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from html import unescape
from pathlib import Path

import pytest
from conftest import csrf_token, make_user, sign_in
from marne_file import marne_file
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


@pytest.fixture
def admin_client(app, runtime, directory):
    admin = make_user(runtime, "admin@cd51.fr", role="admin_departemental")
    client = app.test_client()
    sign_in(client, admin)
    client.admin = admin
    return client


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def mixed_file() -> bytes:
    """The valid fixture plus one row with an invalid e-mail address."""
    rows = list(
        csv.reader(io.StringIO((FIXTURES / "valide.csv").read_text("utf-8-sig")), delimiter=";")
    )
    header, last = rows[0], list(rows[-1])
    if "id" in header:
        last[header.index("id")] = "ligne-fautive"
    last[header.index("nom")] = "Service au courriel faux"
    last[header.index("courriel")] = "pas-une-adresse"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerows([*rows, last])
    return out.getvalue().encode("utf-8")


def upload(client, content: bytes, name: str = "ressources-51.csv", **form):
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(
        {
            "csrf_token": csrf_token(client),
            "fichier": FileStorage(io.BytesIO(content), name),
            **form,
        }
    )
    return client.post(
        "/console/51/ressources",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def follow_import(client, response, seen: list | None = None) -> str:
    """The import's page once it has ended (its JSON state polled as the page's script does)."""
    assert response.status_code == 303, text(response)
    page = response.headers["Location"]
    assert re.fullmatch(r"/console/51/ressources/imports/[0-9a-f]{16}", page)
    deadline = time.monotonic() + 120
    while True:
        state = client.get(page + "/etat").get_json()
        if seen is not None:
            seen.append(state)
        if state["etat"] not in ("en_attente", "en_cours"):
            return page
        assert time.monotonic() < deadline, state
        time.sleep(0.05)


def test_admin_uploads_resources_and_reads_the_rejects(admin_client, runtime):
    page = follow_import(admin_client, upload(admin_client, mixed_file()))
    html = text(admin_client.get(page))
    rows = (
        len(
            list(
                csv.reader(
                    io.StringIO((FIXTURES / "valide.csv").read_text("utf-8-sig")), delimiter=";"
                )
            )
        )
        - 1
    )
    assert f"{rows} lignes acceptées, 1 ligne rejetée" in html
    assert re.search(r"<td>\d+</td><td>courriel</td>", html)
    assert "http-equiv" not in html and "import-progress.js" not in html  # ended: no refresh
    state = admin_client.get(page + "/etat").get_json()
    assert (state["etat"], state["lues"], state["acceptees"], state["rejetees"]) == (
        "termine",
        rows + 1,
        rows,
        1,
    )
    link = re.search(r'href="(/console/51/ressources/rejets/[^"]+)"', html).group(1)
    with admin_client.get(link) as download:
        assert download.status_code == 200
        assert "pas-une-adresse" in download.get_data(as_text=True)
    assert admin_client.get("/console/51/ressources/rejets/..%2F..%2Fsecret").status_code == 404
    history = text(admin_client.get("/console/51/ressources"))
    assert "ressources-51.csv" in history
    assert runtime.engine.get("cd51--ligne-fautive") is None
    journal = text(admin_client.get("/console/51/journal"))
    assert "Import de ressources" in journal and "admin@cd51.fr" in journal
    # The uploaded file is gone once imported; only the rejects CSV stays.
    jobs = Path(runtime.settings["DATA_DIR"]) / "imports" / "console" / "51"
    assert [p.suffix for p in jobs.iterdir()] == [".json"]


def test_a_large_import_shows_its_progress(admin_client):
    """A large file: the page is there at once, and its state moves while rows are read."""
    seen: list[dict] = []
    response = upload(admin_client, marne_file(20_000, "gros-", bad_email=True), "gros-51.csv")
    running = text(admin_client.get(response.headers["Location"]))
    assert 'http-equiv="refresh"' in running and "import-progress.js" in running
    assert 'role="status"' in running
    page = follow_import(admin_client, response, seen)
    during = [s for s in seen if s["etat"] == "en_cours" and 0 < s["lues"] < 20_001]
    assert during, seen[:5]
    lues = [s["lues"] for s in seen]
    assert lues == sorted(lues)  # never goes back
    assert seen[-1]["etat"] == "termine"
    assert (seen[-1]["acceptees"], seen[-1]["rejetees"]) == (20_000, 1)
    assert seen[-1]["total"] == 20_000 and seen[-1]["ecrites"] == 20_000
    assert "20 000 lignes acceptées" in text(admin_client.get(page)).replace("\u202f", " ")


def test_an_import_refused_by_the_guards_says_why(admin_client, runtime):
    follow_import(admin_client, upload(admin_client, mixed_file()))
    # The same department file, but with 3 rows of 6 kept: over half of the resources deleted.
    lines = (FIXTURES / "valide.csv").read_text("utf-8-sig").splitlines()
    page = follow_import(admin_client, upload(admin_client, "\n".join(lines[:3]).encode()))
    html = text(admin_client.get(page))
    assert "Refusé" in html or 'id="erreur-import"' in html
    assert admin_client.get(page + "/etat").get_json()["etat"] == "refuse"


def test_an_import_that_finds_the_store_busy_says_so(admin_client, runtime, monkeypatch):
    """Another import holds the store's write lock (a command-line import, say): the
    console's import ends refused with the French reason, not an internal error."""
    from resource_base import store as store_module

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.2)
    holder = runtime.store.connect()
    holder.execute("BEGIN IMMEDIATE")
    try:
        page = follow_import(admin_client, upload(admin_client, mixed_file()))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert admin_client.get(page + "/etat").get_json()["etat"] == "refuse"
    html = text(admin_client.get(page))
    assert "Le magasin est occupé" in html and "erreur interne" not in html
    assert runtime.store.count() == 0


def test_one_import_at_a_time_per_department(admin_client, runtime):
    page = follow_import(admin_client, upload(admin_client, mixed_file()))
    folder = Path(runtime.settings["DATA_DIR"]) / "imports" / "console" / "51"
    path = folder / f"{page.rsplit('/', 1)[1]}.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    state.update(etat="en_cours", maj=time.time())  # as an import under way
    path.write_text(json.dumps(state), encoding="utf-8")
    refused = upload(admin_client, mixed_file())
    assert refused.status_code == 400 and "déjà en cours" in text(refused)
    state.update(maj=time.time() - 40 * 24 * 3600)  # a month-old status is forgotten
    path.write_text(json.dumps(state), encoding="utf-8")
    follow_import(admin_client, upload(admin_client, mixed_file()))
    assert not path.exists()


def test_unknown_or_malformed_import_ids_are_404(admin_client):
    assert admin_client.get("/console/51/ressources/imports/0123456789abcdef").status_code == 404
    assert admin_client.get("/console/51/ressources/imports/..%2Fx/etat").status_code == 404


def test_an_import_whose_process_died_reads_as_interrupted(admin_client, runtime):
    page = follow_import(admin_client, upload(admin_client, mixed_file()))
    job_id = page.rsplit("/", 1)[1]
    path = Path(runtime.settings["DATA_DIR"]) / "imports" / "console" / "51" / f"{job_id}.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    state.update(etat="en_cours", maj=time.time() - 3600)
    path.write_text(json.dumps(state), encoding="utf-8")
    html = text(admin_client.get(page))
    assert "Interrompu" in admin_client.get(page + "/etat").get_json()["etat_libelle"]
    assert "les ressources précédentes sont toujours publiées" in html


def test_an_unreadable_upload_is_a_french_error_and_changes_nothing(admin_client):
    response = admin_client.post(
        "/console/51/ressources",
        data={
            "csrf_token": csrf_token(admin_client),
            "fichier": (io.BytesIO(b"\x00\x01"), "x.exe"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "Format non reconnu" in text(response)


def test_admin_uploads_territories_and_sees_the_communes_without_one(admin_client, directory):
    token = csrf_token(admin_client)
    page = text(admin_client.get("/console/51/territoires"))
    assert "Département 51" in page and "Toutes les communes du département relèvent" in page
    bad = admin_client.post(
        "/console/51/territoires",
        data={"csrf_token": token, "fichier": (io.BytesIO(b"51108;MDS\n99999;X\n"), "t.csv")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400
    assert re.search(r"<td>2</td><td>Commune « 99999 » inconnue", text(bad))
    good = admin_client.post(
        "/console/51/territoires",
        data={
            "csrf_token": token,
            "fichier": (io.BytesIO(b"code_insee;territoire\n51108;MDS Chalons\n"), "t.csv"),
        },
        content_type="multipart/form-data",
    )
    html = text(good)
    assert good.status_code == 200 and "MDS Chalons" in html
    total, missing = map(int, re.search(r"\((\d+) sur (\d+)\)", html).groups()[::-1])
    assert missing == total - 1  # every commune but Châlons has no territory now
    assert "Châlons-en-Champagne (51108)" not in html.split("Communes sans territoire")[1]


def test_admin_invites_sets_role_resets_password_and_deactivates(admin_client, runtime):
    token = csrf_token(admin_client)
    response = admin_client.post(
        "/console/51/membres",
        data={
            "csrf_token": token,
            "email": "ts@cd51.fr",
            "role": "travailleur_social",
            "mot_de_passe": "mot de passe initial",
        },
    )
    # The invitation page (no SMTP server here: the link to pass on); tests/test_invitations.py
    assert response.status_code == 200 and "Compte ts@cd51.fr créé" in text(response)
    user = runtime.accounts.store.find_user_by_email("ts@cd51.fr")
    assert user.role == "travailleur_social" and user.departement == "51"
    admin_client.post(
        f"/console/51/membres/{user.id}", data={"csrf_token": token, "role": "coordinateur"}
    )
    assert runtime.accounts.store.get_user(user.id).role == "coordinateur"
    admin_client.post(
        f"/console/51/membres/{user.id}/mot-de-passe",
        data={"csrf_token": token, "mot_de_passe": "un tout nouveau mot"},
    )
    assert runtime.accounts.authenticate("ts@cd51.fr", "un tout nouveau mot")
    admin_client.post(f"/console/51/membres/{user.id}/desactiver", data={"csrf_token": token})
    assert runtime.accounts.store.get_user(user.id).status == "desactive"
    refused = admin_client.post(
        "/console/51/membres",
        data={"csrf_token": token, "email": "x@y.fr", "role": "admin_national"},
    )
    assert refused.status_code == 403
    members = text(admin_client.get("/console/51/membres"))
    assert "ts@cd51.fr" in members and "Désactivé" in members
    journal = text(admin_client.get("/console/51/journal"))
    for action in (
        "Création d'un compte",
        "Modification d'un compte",
        "Réinitialisation d'un mot de passe",
        "Désactivation d'un compte",
        "Lecture de la liste des membres",
    ):
        assert action in journal


def test_the_audit_log_is_per_department(app, runtime):
    a51 = make_user(runtime, "admin@cd51.fr", role="admin_departemental")
    a52 = make_user(runtime, "admin@cd52.fr", role="admin_departemental", departement="52")
    c52 = runtime.accounts.create_user(a52, "c@ft52.fr", "conseiller", "52", "AG52")
    client = app.test_client()
    sign_in(client, a51)
    journal = text(client.get("/console/51/journal"))
    assert f"Compte n° {a51.id}<" in journal  # the 51 admin's own account creation
    assert f"Compte n° {c52.id}<" not in journal and "admin@cd52.fr" not in journal


def test_admin_edits_a_territory_name_kind_and_mailbox(admin_client, runtime, directory):
    admin_client.get("/console/51/territoires")  # the default territory
    [territory] = runtime.accounts.store.list_territories("51")
    token = csrf_token(admin_client)
    response = admin_client.post(
        f"/console/51/territoires/{territory.id}",
        data={
            "csrf_token": token,
            "nom": "MDS de la Marne",
            "type": "MDS",
            "courriel": "mds@cd51.example.fr",
        },
    )
    assert response.status_code == 303
    [edited] = runtime.accounts.store.list_territories("51")
    assert (edited.nom, edited.kind, edited.courriel) == (
        "MDS de la Marne",
        "MDS",
        "mds@cd51.example.fr",
    )
    admin_client.post(
        f"/console/51/territoires/{territory.id}",
        data={"csrf_token": token, "nom": "X", "type": "inconnu", "courriel": ""},
    )
    assert runtime.accounts.store.list_territories("51")[0].kind == "MDS"
    assert "Type de territoire inconnu" in text(admin_client.get("/console/51/territoires"))


def test_history_and_audit_log_read_in_french(admin_client):
    follow_import(admin_client, upload(admin_client, mixed_file()))
    history = text(admin_client.get("/console/51/ressources"))
    table = history[history.index('id="historique-imports"') :]
    assert "<td>ressources-51.csv</td>" in table and '["' not in table
    assert re.search(r"<td>\d{1,2}(er)? [a-zéû]+ 20\d\d à \d{1,2} h \d\d</td>", table)
    journal = text(admin_client.get("/console/51/journal"))
    rows = journal[journal.index("<tbody>") : journal.index("</tbody>")]
    for label in (
        "Import de ressources",
        "Création d'un compte",
        "Rôle : Administrateur départemental",
        "Réglage du département",
        "Partage la base : oui",
        "Département 51",
        "Ligne de commande (relais)",
    ):
        assert label in rows, label
    assert re.search(r"<td>Compte n° \d+</td>", rows)
    for code in ("creation_compte", "import_ressources", "departement:51", "role=", "T21:"):
        assert code not in rows, code


def test_french_datetime():
    from web.helpers import french_datetime

    assert french_datetime("2026-11-30T21:16:13Z") == "30 novembre 2026 à 22 h 16"
    assert french_datetime("2026-07-01T08:05:00+00:00") == "1er juillet 2026 à 10 h 05"
    assert french_datetime("pas une date") == "pas une date"
    assert french_datetime(None) == ""
