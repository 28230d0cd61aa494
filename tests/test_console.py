"""The department console at work: members, territories, resource upload and its rejects,
import history, audit log (the 403s are in tests/test_access.py)."""

from __future__ import annotations

import csv
import io
import re
from html import unescape
from pathlib import Path

import pytest
from conftest import csrf_token, make_user, sign_in

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


def test_admin_uploads_resources_and_reads_the_rejects(admin_client, runtime):
    token = csrf_token(admin_client)
    response = admin_client.post(
        "/console/51/ressources",
        data={"csrf_token": token, "fichier": (io.BytesIO(mixed_file()), "ressources-51.csv")},
        content_type="multipart/form-data",
    )
    html = text(response)
    assert response.status_code == 200, html
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
    link = re.search(r'href="(/console/51/ressources/rejets/[^"]+)"', html).group(1)
    with admin_client.get(link) as download:
        assert download.status_code == 200
        assert "pas-une-adresse" in download.get_data(as_text=True)
    assert admin_client.get("/console/51/ressources/rejets/..%2F..%2Fsecret").status_code == 404
    history = text(admin_client.get("/console/51/ressources"))
    assert "ressources-51.csv" in history
    assert runtime.engine.get("cd51--ligne-fautive") is None
    journal = text(admin_client.get("/console/51/journal"))
    assert "import_ressources" in journal and "admin@cd51.fr" in journal


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
    assert response.status_code == 303
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
        "creation_compte",
        "modification_compte",
        "reinitialisation_mot_de_passe",
        "desactivation_compte",
        "lecture_membres",
    ):
        assert action in journal


def test_the_audit_log_is_per_department(app, runtime):
    a51 = make_user(runtime, "admin@cd51.fr", role="admin_departemental")
    a52 = make_user(runtime, "admin@cd52.fr", role="admin_departemental", departement="52")
    c52 = runtime.accounts.create_user(a52, "c@ft52.fr", "conseiller", "52", "AG52")
    client = app.test_client()
    sign_in(client, a51)
    journal = text(client.get("/console/51/journal"))
    assert f"compte:{a51.id}" in journal  # the 51 admin's own account creation
    assert f"compte:{c52.id}" not in journal and "admin@cd52.fr" not in journal


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
