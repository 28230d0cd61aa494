"""The relational store, on SQLite and on a real PostgreSQL server: migrations, the
up-to-date check, the take-over of the old SQLite files, keys, accounts, territories, audit."""

from __future__ import annotations

import json
import os
import sqlite3
import stat

import pytest
from sqlalchemy import inspect, select

from accounts.keys import KeyService, KeyStoreError, hash_token
from accounts.models import AccountError, AuditEntry, Territory, User
from persistence import Database, DatabaseOutOfDate
from persistence.accounts import SqlAccountStore
from persistence.keys import SqlKeyStore
from persistence.orientations import SqlOrientationLog
from persistence.tables import api_keys, metadata
from relais import settings as settings_module
from resource_base.orientation import OrientationEvent

DECOUPAGE_DIR = settings_module.load()["DECOUPAGE_DIR"]


def test_migrations_create_every_table_of_the_code(database):
    tables = set(inspect(database.engine).get_table_names())
    assert {t.name for t in metadata.sorted_tables} <= tables
    for table in metadata.sorted_tables:
        columns = {c["name"] for c in inspect(database.engine).get_columns(table.name)}
        assert columns == {c.name for c in table.columns}, table.name
    database.check()  # up to date: no error


def test_an_empty_database_is_refused_with_the_command_to_run(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'vide.db'}")
    with pytest.raises(DatabaseOutOfDate, match="relais db upgrade"):
        db.check()
    db.dispose()


def test_sqlite_file_is_readable_by_its_owner_only(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'donnees' / 'prive.db'}")
    db.upgrade()
    mode = stat.S_IMODE(os.stat(tmp_path / "donnees" / "prive.db").st_mode)
    assert mode == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "donnees").st_mode) == 0o700
    db.dispose()


def test_first_migration_takes_over_the_old_keys_and_orientations(tmp_path):
    old_keys = sqlite3.connect(tmp_path / "api.sqlite3")
    old_keys.executescript(
        "CREATE TABLE api_keys (id INTEGER PRIMARY KEY, name TEXT, token_sha256 TEXT, "
        "token_hint TEXT, origins TEXT, rate_limit INTEGER, scopes TEXT, created_at TEXT, "
        "revoked_at TEXT);"
    )
    old_keys.execute(
        "INSERT INTO api_keys VALUES (1, 'cd51', ?, 'rl_abcdef', ?, 30, ?, '2026-01-02T03:04:05', NULL)",
        (
            hash_token("rl_secret"),
            json.dumps(["https://a.example.fr"]),
            json.dumps(["professionnels"]),
        ),
    )
    old_keys.commit()
    old_keys.close()
    old_store = sqlite3.connect(tmp_path / "relais.sqlite3")
    old_store.executescript(
        "CREATE TABLE orientations (id INTEGER PRIMARY KEY, date TEXT, departement TEXT, "
        "code_commune TEXT, thematiques TEXT, ressources TEXT);"
        "INSERT INTO orientations VALUES (1, '2026-02-03T10:00:00Z', '51', '51108', "
        "'[\"mobilite\"]', '[\"cd51--1\"]');"
    )
    old_store.commit()
    old_store.close()

    db = Database(f"sqlite:///{tmp_path / 'relais.db'}", tmp_path, DECOUPAGE_DIR)
    assert db.upgrade() == (None, db.head_revision())
    key = KeyService(SqlKeyStore(db)).find("rl_secret")
    assert key.name == "cd51" and key.origins == ("https://a.example.fr",)
    assert key.scopes == frozenset({"professionnels"}) and key.rate_limit == 30
    [event] = SqlOrientationLog(db).events()
    assert (event.departement, event.code_commune, event.thematiques, event.ressources) == (
        "51",
        "51108",
        ("mobilite",),
        ("cd51--1",),
    )
    db.dispose()


def test_key_store_keeps_only_a_hash(database):
    keys = KeyService(SqlKeyStore(database))
    key, token = keys.create("cd51", ["https://Intranet.CD51.example.fr/recherche"], 30)
    assert token.startswith("rl_") and len(token) > 40
    with database.engine.connect() as conn:
        rows = [tuple(str(v) for v in row) for row in conn.execute(select(api_keys))]
    assert not any(token in value for row in rows for value in row)
    assert any(hash_token(token) in row for row in rows)
    assert keys.find(token) == key
    assert key.origins == ("https://intranet.cd51.example.fr",)
    assert key.to_dict()["debut_cle"] == token[:9]


def test_key_names_are_unique_among_active_keys(database):
    keys = KeyService(SqlKeyStore(database))
    keys.create("cd51", ["https://a.example.fr"])
    with pytest.raises(KeyStoreError, match="existe déjà"):
        keys.create("cd51")
    keys.revoke("cd51")
    keys.create("cd51")  # a revoked key's name may be given again
    assert [k.active for k in keys.list_keys()] == [False, True]
    assert keys.active_origins() == set()
    with pytest.raises(KeyStoreError, match="Aucune clé active"):
        keys.revoke("inconnue")


def test_orientation_events_newest_first_by_department(database):
    log = SqlOrientationLog(database)
    log.record(OrientationEvent("51", "51108", ("mobilite",), ("a",), agence="AG51"))
    log.record(OrientationEvent("52", "52121", ("sante",), ("b", "c")))
    assert [e.ressources for e in log.events()] == [("b", "c"), ("a",)]
    [event] = log.events("51")
    assert event.agence == "AG51" and len(event.date) == 10  # YYYY-MM-DD: the day only
    with pytest.raises(ValueError):
        log.record(OrientationEvent("51", None, (), ()))


def test_users_are_unique_by_email_and_keep_their_claims(database):
    store = SqlAccountStore(database)
    user = store.add_user(
        User(None, "a@exemple.fr", role="conseiller", departement="51", claims={"siret": "1"})
    )
    assert store.find_user_by_email("a@exemple.fr") == user
    assert user.claims == {"siret": "1"} and user.id is not None
    with pytest.raises(AccountError, match="existe déjà"):
        store.add_user(User(None, "a@exemple.fr"))
    assert store.list_users("51") == [user] and store.list_users("52") == []


def test_one_territory_per_commune_and_replacement_keeps_ids(database):
    store = SqlAccountStore(database)
    store.replace_territories(
        "51",
        [Territory(None, "51", "MDS Nord"), Territory(None, "51", "MDS Sud")],
        {"51108": "MDS Nord", "51454": "MDS Sud"},
    )
    first = {t.nom: t.id for t in store.list_territories("51")}
    member = store.add_user(
        User(
            None,
            "ts@cd51.fr",
            role="travailleur_social",
            departement="51",
            territoire_id=first["MDS Sud"],
        )
    )
    store.replace_territories("51", [Territory(None, "51", "MDS Nord")], {"51108": "MDS Nord"})
    assert {t.nom: t.id for t in store.list_territories("51")} == {"MDS Nord": first["MDS Nord"]}
    assert store.territory_assignments("51") == {"51108": first["MDS Nord"]}
    assert store.territory_of("51108").nom == "MDS Nord"
    assert store.territory_of("51454") is None
    # The member of a removed territory keeps their account, without a territory.
    assert store.get_user(member.id).territoire_id is None


def test_audit_log_is_read_per_department_newest_first(database):
    store = SqlAccountStore(database)
    for n, dept in enumerate(["51", "52", "51"]):
        store.add_audit(
            AuditEntry(None, f"2026-01-0{n + 1}T00:00:00Z", 1, "a@b.fr", "x", f"r{n}", dept)
        )
    assert [e.record for e in store.list_audit("51")] == ["r2", "r0"]
    assert len(store.list_audit(None)) == 3
