"""Hand-overs to axes 2 and 3 (issue 10): records, diagnostics, events (append-only), each
department's timers and retention, and the anonymous month rows kept after anonymisation.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Statuses in which a record is open: one per person and axe (``handover.models.OPEN_STATUSES``).
OPEN = "status IN ('transmise', 'prise_en_charge', 'acceptee', 'entree', 'renouvelee')"


def upgrade() -> None:

    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("reference", sa.String(30), nullable=False, unique=True),
        sa.Column("axe", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        # A keyed hash of the identifiant France Travail: survives anonymisation.
        sa.Column("personne_cle", sa.String(64), nullable=False),
        sa.Column("identifiant_ft", sa.String(11)),
        sa.Column("nom", sa.String(100)),
        sa.Column("prenom", sa.String(100)),
        sa.Column("date_naissance", sa.Date),
        sa.Column("code_commune", sa.String(5)),
        sa.Column("telephone", sa.String(20)),
        sa.Column("courriel", sa.String(254)),
        sa.Column("beneficiaire_rsa", sa.Boolean, nullable=False, default=False),
        sa.Column("freins", sa.JSON, nullable=False),
        sa.Column("appreciations", sa.JSON, nullable=False),
        sa.Column("appreciation_texte", sa.Text, nullable=False),
        sa.Column("modalite", sa.String(30), nullable=False),
        sa.Column("consentement", sa.JSON, nullable=False),
        sa.Column("departement", sa.String(3), nullable=False),
        sa.Column(
            "territoire_id", sa.Integer, sa.ForeignKey("territories.id", ondelete="SET NULL")
        ),
        sa.Column("agence", sa.String(20)),
        sa.Column("proposee_par", sa.Integer),
        sa.Column("proposee_le", sa.Date, nullable=False),
        sa.Column("prise_en_charge_le", sa.Date),
        sa.Column("prise_en_charge_par", sa.Integer),
        sa.Column("referent_cd_id", sa.Integer),
        sa.Column("referent_ft_id", sa.Integer),
        sa.Column("decidee_le", sa.Date),
        sa.Column("motifs_refus", sa.JSON, nullable=False),
        sa.Column("refus_communicable", sa.Boolean, nullable=False, default=False),
        sa.Column("entree_prevue_le", sa.Date),
        sa.Column("entree_le", sa.Date),
        sa.Column("fin_prevue_le", sa.Date),
        sa.Column("renouvelee_le", sa.Date),
        sa.Column("terminee_le", sa.Date),
        sa.Column("motif_fin", sa.String(30), nullable=False),
        sa.Column("motif_annulation", sa.String(30), nullable=False),
        sa.Column("redirections", sa.Integer, nullable=False, default=0),
        sa.Column("derniere_activite", sa.String(20), nullable=False),
        sa.Column("relances", sa.JSON, nullable=False),
        sa.Column("cloturee_le", sa.Date),
        sa.Column("textes_purges_le", sa.Date),
        sa.Column("anonymisee_le", sa.Date),
        # The database, not only the code, refuses a second open proposal per person and axe…
        sa.Index(
            "handovers_open_per_person_axe",
            "personne_cle",
            "axe",
            unique=True,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        ),
        # …and a second entry into axe 2, ever (DOMAIN.md: a person cannot enter axe 2 twice).
        sa.Index(
            "handovers_one_axe2_entry",
            "personne_cle",
            unique=True,
            sqlite_where=sa.text("axe = 2 AND entree_le IS NOT NULL"),
            postgresql_where=sa.text("axe = 2 AND entree_le IS NOT NULL"),
        ),
        sa.Index("handovers_inbox", "departement", "territoire_id", "status"),
        sa.Index("handovers_agence", "agence", "status"),
        sa.Index("handovers_status", "status"),
    )

    op.create_table(
        "handover_diagnostics",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "handover_id",
            sa.Integer,
            sa.ForeignKey("handovers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("side", sa.String(20), nullable=False),
        sa.Column("auteur_id", sa.Integer),
        sa.Column("auteur_nom", sa.String(254), nullable=False),
        sa.Column("date", sa.Date, nullable=False),
        sa.Column("tripartite", sa.Boolean, nullable=False),
        sa.Column("synthese", sa.Text, nullable=False),
        sa.Column("enregistre_le", sa.String(20), nullable=False),
        sa.UniqueConstraint("handover_id", "side", name="handover_diagnostics_side"),
    )

    op.create_table(
        "handover_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "handover_id",
            sa.Integer,
            sa.ForeignKey("handovers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at", sa.String(20), nullable=False),
        sa.Column("action", sa.String(30), nullable=False),
        sa.Column("from_status", sa.String(20)),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("actor_id", sa.Integer),
        sa.Column("actor_label", sa.String(300), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Index("handover_events_handover", "handover_id", "id"),
    )

    op.create_table(
        "handover_delais",
        sa.Column("departement", sa.String(3), primary_key=True),
        sa.Column("relance_jours", sa.Integer, nullable=False),
        sa.Column("relance_intervalle_jours", sa.Integer, nullable=False),
        sa.Column("escalade_jours", sa.Integer, nullable=False),
        sa.Column("expiration_jours", sa.Integer, nullable=False),
        sa.Column("purge_textes_mois", sa.Integer, nullable=False),
        sa.Column("anonymisation_mois", sa.Integer, nullable=False),
        sa.Column("avec_coordinateurs", sa.Boolean, nullable=False),
    )

    op.create_table(
        "handover_stats",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("mois", sa.String(7), nullable=False),
        sa.Column("departement", sa.String(3), nullable=False),
        sa.Column("territoire_id", sa.Integer),
        sa.Column("agence", sa.String(20)),
        sa.Column("axe", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("motifs_refus", sa.JSON, nullable=False),
        sa.Column("redirections", sa.Integer, nullable=False),
        sa.Column("jours_prise_en_charge", sa.Integer),
        sa.Column("jours_diagnostic_ft", sa.Integer),
        sa.Column("jours_diagnostic_cd", sa.Integer),
        sa.Column("jours_decision", sa.Integer),
        sa.Column("jours_entree", sa.Integer),
        sa.Index("handover_stats_departement", "departement", "mois"),
    )


def downgrade() -> None:
    for table in (
        "handover_stats",
        "handover_delais",
        "handover_events",
        "handover_diagnostics",
        "handovers",
    ):
        op.drop_table(table)
