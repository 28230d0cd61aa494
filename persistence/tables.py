"""The tables, in SQLAlchemy Core. Migrations (``persistence/migrations``) create them: keep
both in step (``tests/test_persistence.py`` compares them)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

metadata = MetaData()

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("token_hint", String(20), nullable=False),
    Column("origins", JSON, nullable=False),
    Column("rate_limit", Integer, nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("created_at", String(20), nullable=False),
    Column("revoked_at", String(20)),
    # A name designates one active key; a revoked key's name may be given again.
    Index(
        "api_keys_active_name",
        "name",
        unique=True,
        sqlite_where=text("revoked_at IS NULL"),
        postgresql_where=text("revoked_at IS NULL"),
    ),
)

orientations = Table(
    "orientations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("date", String(20), nullable=False),
    Column("departement", String(3)),
    Column("code_commune", String(5)),
    Column("agence", String(20)),
    Column("thematiques", JSON, nullable=False),
    Column("ressources", JSON, nullable=False),
    # The commune's EPCI (always; the commune itself only when it is not small): revision 0004.
    Column("epci", String(9)),
    Index("orientations_departement", "departement", "date"),
)

departements = Table(
    "departements",
    metadata,
    Column("code", String(3), primary_key=True),
    Column("partage", Boolean, nullable=False, default=False),
)

organisations = Table(
    "organisations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(30), nullable=False),
    Column("code", String(20), nullable=False),
    Column("nom", String(200), nullable=False),
    Column("departement", String(3), nullable=False),
    UniqueConstraint("kind", "code", name="organisations_kind_code"),
)

territories = Table(
    "territories",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("departement", String(3), nullable=False),
    Column("nom", String(120), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("courriel", String(254), nullable=False),
    UniqueConstraint("departement", "nom", name="territories_departement_nom"),
)

territory_communes = Table(
    "territory_communes",
    metadata,
    # One territory per commune: the primary key says so.
    Column("code_insee", String(5), primary_key=True),
    Column(
        "territory_id",
        Integer,
        ForeignKey("territories.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("departement", String(3), nullable=False),
    Index("territory_communes_departement", "departement"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("nom", String(120), nullable=False),
    Column("role", String(30), nullable=False),
    Column("departement", String(3)),
    Column("agence", String(20)),
    Column("territoire_id", Integer, ForeignKey("territories.id", ondelete="SET NULL")),
    Column("status", String(20), nullable=False),
    Column("password_hash", Text),
    Column("oidc_subject", String(255), unique=True),
    Column("claims", JSON, nullable=False),
    Column("created_at", String(20), nullable=False),
    Column("last_login_at", String(20)),
    Index("users_departement", "departement", "status"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(20), nullable=False),
    Column("actor_id", Integer),
    Column("actor_email", String(254), nullable=False),
    Column("action", String(60), nullable=False),
    Column("record", String(200), nullable=False),
    Column("departement", String(3)),
    Column("details", Text, nullable=False),
    Index("audit_log_departement", "departement", "id"),
)

# Unmet needs (issue 13, revision 0004): one anonymous row per search, and monthly counts per
# department, territory and need that the unmet-needs page reads (resource_base.needs_events).
search_events = Table(
    "search_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("jour", String(10), nullable=False),
    Column("departement", String(3)),
    Column("territoire_id", Integer),
    Column("epci", String(9)),
    Column("thematiques", JSON, nullable=False),
    Column("total", Integer, nullable=False),
    Column("par_besoin", JSON, nullable=False),
    Column("moteur", String(20), nullable=False),
    Column("organisation", String(30), nullable=False),
    Index("search_events_departement", "departement", "jour"),
)

needs_monthly = Table(
    "needs_monthly",
    metadata,
    # Besides the rows per territory and need, each search adds to rows that sum them up, so
    # that every view reads a few thousand rows (persistence.needs): territoire_id -1 for all
    # territories of the department, departement "*" for every department, thematique "*"
    # for every need. territoire_id 0: the commune has no territory; thematique "": no need.
    Column("departement", String(3), primary_key=True),
    Column("mois", String(7), primary_key=True),
    Column("territoire_id", Integer, primary_key=True, autoincrement=False),
    Column("thematique", String(120), primary_key=True),
    Column("recherches", Integer, nullable=False),
    Column("sans_reponse", Integer, nullable=False),
    Column("moins_de_3", Integer, nullable=False),
    Index("needs_monthly_level", "territoire_id", "thematique", "mois"),
)

orientation_needs = Table(
    "orientation_needs",
    metadata,
    Column("departement", String(3), primary_key=True),
    Column("mois", String(7), primary_key=True),
    Column("thematique", String(120), primary_key=True),
    Column("orientations", Integer, nullable=False),
)
