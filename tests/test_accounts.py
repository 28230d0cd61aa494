"""The accounts domain: roles, scoping, passwords, territories, and the services on the store."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import make_user

from accounts import roles, scoping, territories
from accounts.models import AccountError, Departement, PendingAccount, User
from accounts.passwords import hash_password, verify_password

COMMUNES_51 = {"51108": "Châlons-en-Champagne", "51454": "Reims", "51230": "Épernay"}


def test_accounts_domain_imports_neither_flask_nor_sqlalchemy():
    code = (
        "import sys, accounts.services, accounts.scoping, accounts.territories, accounts.keys; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'werkzeug'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_role_has_a_french_label_and_permissions():
    assert (
        set(roles.ROLES)
        == set(roles.PERMISSIONS)
        == {
            "conseiller",
            "conseiller_ag",
            "travailleur_social",
            "coordinateur",
            "admin_departemental",
            "admin_national",
        }
    )
    assert roles.label("coordinateur").startswith("Coordinateur")
    assert roles.allows("admin_departemental", roles.IMPORT_RESOURCES)
    assert not roles.allows("conseiller", roles.MANAGE_MEMBERS)
    assert set(roles.ACTION_LABELS) == set().union(*roles.PERMISSIONS.values())


@pytest.mark.parametrize(
    ("role", "departement", "target", "allowed"),
    [
        ("admin_departemental", "51", "51", True),
        ("admin_departemental", "51", "52", False),
        ("admin_national", None, "52", True),
        ("conseiller", "51", "51", False),  # no right to manage members at all
        ("coordinateur", "51", "51", False),
    ],
)
def test_scoping_refuses_outside_the_department_or_the_role(role, departement, target, allowed):
    actor = User(1, "a@b.fr", role=role, departement=departement)
    if allowed:
        assert scoping.require(actor, roles.MANAGE_MEMBERS, target) is actor
    else:
        with pytest.raises(scoping.AccessDenied):
            scoping.require(actor, roles.MANAGE_MEMBERS, target)


def test_inactive_or_anonymous_people_may_do_nothing():
    with pytest.raises(scoping.AccessDenied, match="Connectez-vous"):
        scoping.require(None, roles.SEARCH)
    off = User(1, "a@b.fr", role="admin_national", status="desactive")
    with pytest.raises(scoping.AccessDenied):
        scoping.require(off, roles.SEARCH)


def test_advisers_see_their_own_agence_only():
    adviser = User(1, "a@b.fr", role="conseiller", departement="51", agence="AG1")
    assert scoping.sees_agence(adviser, "AG1") and not scoping.sees_agence(adviser, "AG2")
    assert scoping.sees_agence(User(2, "c@d.fr", role="admin_departemental"), "AG2")


def test_cd_staff_log_in_only_where_the_department_shares_the_base():
    social = User(1, "ts@cd.fr", role="travailleur_social", departement="52")
    assert "ne partage pas" in scoping.may_log_in(social, Departement("52", False))
    assert scoping.may_log_in(social, Departement("52", True)) is None
    adviser = User(2, "c@ft.fr", role="conseiller", departement="52", agence="A")
    assert scoping.may_log_in(adviser, Departement("52", False)) is None


def test_passwords_are_argon2_and_at_least_12_characters():
    digest = hash_password("un mot de passe long")
    assert digest.startswith("$argon2id$")
    assert verify_password(digest, "un mot de passe long")
    assert not verify_password(digest, "autre chose")
    assert not verify_password(None, "un mot de passe long")
    with pytest.raises(AccountError, match="12 caractères"):
        hash_password("court")


def test_territory_csv_rejects_with_line_and_reason():
    text = (
        "code_insee;territoire\n"
        "51108;MDS Châlons\n"
        "51454\n"  # line 3: one field
        "99999;MDS Ailleurs\n"  # line 4: not a commune of the department
        "51108;MDS Reims\n"  # line 5: a commune in two territories
        "51454;" + "x" * 200 + "\n"  # line 6: name too long
        "51230;MDS Épernay\n"
    )
    upload = territories.parse_csv(text, "51", COMMUNES_51)
    assert upload.assignments == {"51108": "MDS Châlons", "51230": "MDS Épernay"}
    assert [(r.ligne, r.motif.split(" ")[0]) for r in upload.rejects] == [
        (3, "Deux"),
        (4, "Commune"),
        (5, "La"),
        (6, "Nom"),
    ]
    assert territories.uncovered(COMMUNES_51, upload.assignments) == ["51454"]


def test_territory_csv_in_windows_1252_and_with_commas():
    data = "51108,MDS Châlons\n51454,MDS Reims\n51230,MDS Reims\n".encode("cp1252")
    upload = territories.parse_csv(territories.decode(data), "51", COMMUNES_51)
    assert upload.rejects == [] and upload.territories == ["MDS Châlons", "MDS Reims"]


def test_upload_replaces_territories_only_when_every_line_is_valid(runtime):
    admin = make_user(runtime, "admin@cd51.fr", role="admin_departemental")
    service = runtime.accounts
    bad = service.upload_territories(admin, "51", b"51108;A\n99999;B\n", COMMUNES_51)
    assert bad.rejects and service.store.list_territories("51") == []
    good = service.upload_territories(
        admin, "51", b"51108;MDS Nord\n51454;MDS Nord\n51230;MDS Sud\n", COMMUNES_51
    )
    assert good.rejects == []
    listed, assignments, uncovered = service.coverage(admin, "51", COMMUNES_51)
    assert [t.nom for t in listed] == ["MDS Nord", "MDS Sud"]
    assert len(assignments) == 3 and uncovered == []
    # Every commune resolves to exactly one territory.
    assert service.store.territory_of("51230").nom == "MDS Sud"
    other = make_user(runtime, "admin@cd52.fr", role="admin_departemental", departement="52")
    with pytest.raises(scoping.AccessDenied):
        service.upload_territories(other, "51", b"51108;X\n", COMMUNES_51)


def test_default_territory_covers_the_whole_department(runtime):
    admin = make_user(runtime, "admin@cd51.fr", role="admin_departemental")
    listed, assignments, uncovered = runtime.accounts.coverage(admin, "51", COMMUNES_51)
    assert [t.nom for t in listed] == ["Département 51"]
    assert set(assignments) == set(COMMUNES_51) and uncovered == []


def test_create_user_checks_role_department_and_agence(runtime):
    service = runtime.accounts
    with pytest.raises(AccountError, match="Rôle inconnu"):
        service.create_user(None, "a@b.fr", "chef", "51")
    with pytest.raises(AccountError, match="département est nécessaire"):
        service.create_user(None, "a@b.fr", "conseiller", None, "AG1")
    with pytest.raises(AccountError, match="agence"):
        service.create_user(None, "a@b.fr", "conseiller", "51")
    with pytest.raises(AccountError, match="Adresse électronique invalide"):
        service.create_user(None, "pas-une-adresse", "coordinateur", "51")
    user = service.create_user(None, " A@B.fr ", "conseiller", "51", "ag1", "mot de passe 12c")
    assert user.email == "a@b.fr" and user.agence == "AG1"
    assert service.store.find_organisation("agence", "AG1").departement == "51"
    with pytest.raises(AccountError, match="existe déjà"):
        service.create_user(None, "a@b.fr", "conseiller", "51", "AG1")


def test_a_department_admin_cannot_make_a_national_admin_nor_act_elsewhere(runtime):
    admin = make_user(runtime, "admin@cd51.fr", role="admin_departemental")
    service = runtime.accounts
    with pytest.raises(scoping.AccessDenied):
        service.create_user(admin, "x@y.fr", "admin_national", "51")
    with pytest.raises(scoping.AccessDenied):
        service.create_user(admin, "x@y.fr", "coordinateur", "52")
    other = make_user(runtime, "ts@cd52.fr", role="travailleur_social", departement="52")
    for action in (
        lambda: service.deactivate(admin, other.id),
        lambda: service.reset_password(admin, other.id, "nouveau mot de passe"),
        lambda: service.update_member(admin, other.id, "coordinateur"),
        lambda: service.members(admin, "52"),
        lambda: service.audit_log(admin, "52"),
    ):
        with pytest.raises(scoping.AccessDenied):
            action()


def test_authentication_and_its_refusals(runtime):
    service = runtime.accounts
    make_user(runtime, "c@ft51.fr", password="mot de passe juste")
    assert service.authenticate("C@FT51.fr", "mot de passe juste").last_login_at
    for email, password in [("c@ft51.fr", "faux mot de passe"), ("inconnu@x.fr", "x"), ("", "")]:
        with pytest.raises(AccountError, match="incorrect"):
            service.authenticate(email, password)
    social = make_user(
        runtime,
        "ts@cd52.fr",
        role="travailleur_social",
        departement="52",
        partage=False,
        password="mot de passe juste",
    )
    with pytest.raises(AccountError, match="ne partage pas"):
        service.authenticate(social.email, "mot de passe juste")
    service.deactivate(None, social.id)
    with pytest.raises(AccountError, match="désactivé"):
        service.authenticate(social.email, "mot de passe juste")


def test_first_identity_login_creates_a_pending_account_an_admin_validates(runtime):
    service = runtime.accounts
    claims = {
        "sub": "pc-1",
        "email": "Nouvelle@FT.fr",
        "given_name": "Léa",
        "usual_name": "Martin",
        "siret": "13000548100010",
        "custom": {"agence": "FT51001"},
    }
    with pytest.raises(PendingAccount):
        service.login_from_identity(claims)
    [pending] = service.store.list_users(None, "en_attente")
    assert pending.email == "nouvelle@ft.fr" and pending.nom == "Léa Martin"
    assert pending.role == "conseiller" and pending.claims["siret"] == "13000548100010"
    national = make_user(runtime, "n@relais.fr", role="admin_national", departement=None)
    assert service.pending_without_department(national) == [pending]
    service.update_member(national, pending.id, "conseiller", "FT51001", departement="51")
    assert service.login_from_identity(claims).status == "actif"
    actions = [e.action for e in service.store.list_audit(None)]
    assert {"compte_en_attente", "validation_compte", "connexion"} <= set(actions)
