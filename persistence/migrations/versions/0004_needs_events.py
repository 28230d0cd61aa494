"""Unmet needs (issue 13): search events, monthly counts per territory and need, orientation
counts per need; existing orientation events held to the same anonymity rules.

Existing orientations: the date is cut to the day; the commune is kept only when its legal
population is at least 5,000 (else its EPCI is kept, or only the department when the
reference is not at hand); the sensitive needs leave the row and every need is counted in
``orientation_needs``. The rules are frozen copies of ``resource_base.needs_events`` at the
time of writing (a migration must keep meaning what it did).

Revision ID: 0004
Revises: 0003 (written on 0001; re-chained after 0002 (hand-overs) and 0003 (widgets))
"""

import json
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SMALL_COMMUNE_POPULATION = 5000
SENSITIVE = {
    "sante--sante-mentale",
    "sante--addictions",
    "famille--surmonter-conflits-separation-violence",
}


def upgrade() -> None:
    with op.batch_alter_table("orientations") as batch:
        batch.add_column(sa.Column("epci", sa.String(9)))
    op.create_table(
        "search_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("jour", sa.String(10), nullable=False),
        sa.Column("departement", sa.String(3)),
        sa.Column("territoire_id", sa.Integer),
        sa.Column("epci", sa.String(9)),
        sa.Column("thematiques", sa.JSON, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("par_besoin", sa.JSON, nullable=False),
        sa.Column("moteur", sa.String(20), nullable=False),
        sa.Column("organisation", sa.String(30), nullable=False),
    )
    op.create_index("search_events_departement", "search_events", ["departement", "jour"])
    op.create_table(
        "needs_monthly",
        sa.Column("departement", sa.String(3), primary_key=True),
        sa.Column("mois", sa.String(7), primary_key=True),
        sa.Column("territoire_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("thematique", sa.String(120), primary_key=True),
        sa.Column("recherches", sa.Integer, nullable=False),
        sa.Column("sans_reponse", sa.Integer, nullable=False),
        sa.Column("moins_de_3", sa.Integer, nullable=False),
    )
    op.create_index("needs_monthly_level", "needs_monthly", ["territoire_id", "thematique", "mois"])
    counts = op.create_table(
        "orientation_needs",
        sa.Column("departement", sa.String(3), primary_key=True),
        sa.Column("mois", sa.String(7), primary_key=True),
        sa.Column("thematique", sa.String(120), primary_key=True),
        sa.Column("orientations", sa.Integer, nullable=False),
    )
    _convert_orientations(counts)


def _reference() -> dict[str, tuple[int | None, str | None]]:
    """INSEE code → (population, EPCI) from @etalab/decoupage-administratif, or {}."""
    folder = context.config.attributes.get("decoupage_dir")
    if not folder or not (Path(folder) / "communes.json").is_file():
        return {}
    epci_of = {}
    for epci in json.loads((Path(folder) / "epci.json").read_text(encoding="utf-8")):
        for member in epci.get("membres", ()):
            epci_of[member["code"]] = epci["code"]
    found = {}
    for row in json.loads((Path(folder) / "communes.json").read_text(encoding="utf-8")):
        if row.get("type") in ("commune-actuelle", "arrondissement-municipal"):
            parent = row.get("commune")
            epci = epci_of.get(row["code"]) or (epci_of.get(parent) if parent else None)
            found[row["code"]] = (row.get("population"), epci)
    return found


def _convert_orientations(counts) -> None:
    bind = op.get_bind()
    orientations = sa.table(
        "orientations",
        sa.column("id", sa.Integer),
        sa.column("date", sa.String),
        sa.column("departement", sa.String),
        sa.column("code_commune", sa.String),
        sa.column("thematiques", sa.JSON),
        sa.column("epci", sa.String),
    )
    rows = bind.execute(sa.select(orientations)).all()
    if not rows:
        return
    reference = _reference()
    totals: dict[tuple[str, str, str], int] = {}
    for row in rows:
        population, epci = reference.get(row.code_commune or "", (None, None))
        keep = population is not None and population >= SMALL_COMMUNE_POPULATION
        needs = list(dict.fromkeys(row.thematiques or []))
        for need in needs:
            key = (row.departement or "", row.date[:7], need)
            totals[key] = totals.get(key, 0) + 1
        bind.execute(
            sa.update(orientations)
            .where(orientations.c.id == row.id)
            .values(
                date=row.date[:10],
                code_commune=row.code_commune if keep else None,
                epci=epci,
                thematiques=[n for n in needs if n not in SENSITIVE],
            )
        )
    op.bulk_insert(
        counts,
        [
            {"departement": d, "mois": m, "thematique": t, "orientations": n}
            for (d, m, t), n in sorted(totals.items())
        ],
    )


def downgrade() -> None:
    op.drop_table("orientation_needs")
    op.drop_index("needs_monthly_level", "needs_monthly")
    op.drop_table("needs_monthly")
    op.drop_index("search_events_departement", "search_events")
    op.drop_table("search_events")
    with op.batch_alter_table("orientations") as batch:
        batch.drop_column("epci")
