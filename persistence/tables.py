"""The tables, in SQLAlchemy Core. Migrations (``persistence/migrations``) create them: keep
both in step (``tests/test_persistence.py`` compares them)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
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
    # The organisation a hand-over key acts for (migration 0007; None for other keys): the
    # role it acts with, and its department, agence or territory (``accounts.keys.Binding``).
    Column("role", String(30)),
    Column("departement", String(3)),
    Column("agence", String(20)),
    Column("territoire_id", Integer),
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

widgets = Table(
    "widgets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("departement", String(3), nullable=False),
    Column("name", String(120), nullable=False),
    Column("origins", JSON, nullable=False),
    Column("code_commune", String(5)),
    Column("thematiques", JSON, nullable=False),
    Column("intranet_france_travail", Boolean, nullable=False),
    Column("professionnels", Boolean, nullable=False),
    Column("titre", String(120), nullable=False),
    Column("taille", Integer, nullable=False),
    Column("nonce", String(64), nullable=False),
    Column("created_at", String(20), nullable=False),
    Column("created_by", String(254), nullable=False),
    Column("revoked_at", String(20)),
    Index("widgets_departement", "departement", "id"),
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

# Hand-overs to axes 2 and 3 (issue 10) ---------------------------------------------------
# Statuses in which a record is open: one per person and axe (``handover.models.OPEN_STATUSES``).
HANDOVER_OPEN = "status IN ('transmise', 'prise_en_charge', 'acceptee', 'entree', 'renouvelee')"

handovers = Table(
    "handovers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reference", String(30), nullable=False, unique=True),
    Column("axe", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    # A keyed hash of the identifiant France Travail: survives anonymisation.
    Column("personne_cle", String(64), nullable=False),
    Column("identifiant_ft", String(11)),
    Column("nom", String(100)),
    Column("prenom", String(100)),
    Column("date_naissance", Date),
    Column("code_commune", String(5)),
    Column("telephone", String(20)),
    Column("courriel", String(254)),
    Column("beneficiaire_rsa", Boolean, nullable=False, default=False),
    Column("freins", JSON, nullable=False),
    Column("appreciations", JSON, nullable=False),
    Column("appreciation_texte", Text, nullable=False),
    Column("modalite", String(30), nullable=False),
    Column("consentement", JSON, nullable=False),
    Column("departement", String(3), nullable=False),
    Column("territoire_id", Integer, ForeignKey("territories.id", ondelete="SET NULL")),
    Column("agence", String(20)),
    Column("proposee_par", Integer),
    Column("proposee_le", Date, nullable=False),
    Column("prise_en_charge_le", Date),
    Column("prise_en_charge_par", Integer),
    Column("referent_cd_id", Integer),
    Column("referent_ft_id", Integer),
    Column("decidee_le", Date),
    Column("motifs_refus", JSON, nullable=False),
    Column("refus_communicable", Boolean, nullable=False, default=False),
    Column("entree_prevue_le", Date),
    Column("entree_le", Date),
    Column("fin_prevue_le", Date),
    Column("renouvelee_le", Date),
    Column("terminee_le", Date),
    Column("motif_fin", String(30), nullable=False),
    Column("motif_annulation", String(30), nullable=False),
    Column("redirections", Integer, nullable=False, default=0),
    Column("derniere_activite", String(20), nullable=False),
    Column("relances", JSON, nullable=False),
    Column("cloturee_le", Date),
    Column("textes_purges_le", Date),
    Column("anonymisee_le", Date),
    # The database, not only the code, refuses a second open proposal per person and axe…
    Index(
        "handovers_open_per_person_axe",
        "personne_cle",
        "axe",
        unique=True,
        sqlite_where=text(HANDOVER_OPEN),
        postgresql_where=text(HANDOVER_OPEN),
    ),
    # …and a second entry into axe 2, ever (DOMAIN.md: a person cannot enter axe 2 twice).
    Index(
        "handovers_one_axe2_entry",
        "personne_cle",
        unique=True,
        sqlite_where=text("axe = 2 AND entree_le IS NOT NULL"),
        postgresql_where=text("axe = 2 AND entree_le IS NOT NULL"),
    ),
    Index("handovers_inbox", "departement", "territoire_id", "status"),
    Index("handovers_agence", "agence", "status"),
    Index("handovers_status", "status"),
    # A territory's inbox and its counters (migration 0008): the scope's OR (referents) hides
    # handovers_inbox from the planner, this one serves ``territoire_id = ?`` alone.
    Index("handovers_territoire", "territoire_id", "status"),
)

handover_diagnostics = Table(
    "handover_diagnostics",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("handover_id", Integer, ForeignKey("handovers.id", ondelete="CASCADE"), nullable=False),
    Column("side", String(20), nullable=False),
    Column("auteur_id", Integer),
    Column("auteur_nom", String(254), nullable=False),
    Column("date", Date, nullable=False),
    Column("tripartite", Boolean, nullable=False),
    Column("synthese", Text, nullable=False),
    Column("enregistre_le", String(20), nullable=False),
    UniqueConstraint("handover_id", "side", name="handover_diagnostics_side"),
)

handover_events = Table(
    "handover_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("handover_id", Integer, ForeignKey("handovers.id", ondelete="CASCADE"), nullable=False),
    Column("at", String(20), nullable=False),
    Column("action", String(30), nullable=False),
    Column("from_status", String(20)),
    Column("to_status", String(20), nullable=False),
    Column("actor_id", Integer),
    Column("actor_label", String(300), nullable=False),
    Column("reason", String(300), nullable=False),
    Index("handover_events_handover", "handover_id", "id"),
)

handover_delais = Table(
    "handover_delais",
    metadata,
    Column("departement", String(3), primary_key=True),
    Column("relance_jours", Integer, nullable=False),
    Column("relance_intervalle_jours", Integer, nullable=False),
    Column("escalade_jours", Integer, nullable=False),
    Column("expiration_jours", Integer, nullable=False),
    Column("purge_textes_mois", Integer, nullable=False),
    Column("anonymisation_mois", Integer, nullable=False),
    Column("avec_coordinateurs", Boolean, nullable=False),
)

handover_stats = Table(
    "handover_stats",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("mois", String(7), nullable=False),
    Column("departement", String(3), nullable=False),
    Column("territoire_id", Integer),
    Column("agence", String(20)),
    Column("axe", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("motifs_refus", JSON, nullable=False),
    Column("redirections", Integer, nullable=False),
    Column("jours_prise_en_charge", Integer),
    Column("jours_diagnostic_ft", Integer),
    Column("jours_diagnostic_cd", Integer),
    Column("jours_decision", Integer),
    Column("jours_entree", Integer),
    Index("handover_stats_departement", "departement", "mois"),
)

# The délais dashboard's snapshot (persistence.dashboard_cells): the cohort cells (per
# departement, territoire, agence, axe, mois and maturity: counts, délais histograms, refusal
# reasons) as columnar arrays, computed by ``relais taches`` or by the first request. Only the
# latest row is kept.
handover_dashboard_snapshots = Table(
    "handover_dashboard_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("calcule_le", String(20), nullable=False),  # UTC ISO time of the computation
    Column("jour", Date, nullable=False),  # the day whose maturity rule counted the cells
    Column("dossiers", Integer, nullable=False),
    Column("cellules", Integer, nullable=False),
    Column("donnees", LargeBinary, nullable=False),  # numpy .npz (no pickle)
)

# The hand-over's e-mails, kept until sent (issue 10: a failed send is retried, nothing is lost).
# No personal data in them (notifications.handover).
mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", String(20), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("handover_id", Integer),
    Column("recipients", JSON, nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("last_error", String(300), nullable=False),
    Column("sent_at", String(20)),
    Index("mail_outbox_pending", "sent_at", "id"),
)
