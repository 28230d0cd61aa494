"""Search events and the monthly counts of the unmet-needs page (``resource_base.needs_events``).

``record`` writes the event (without its sensitive needs) and adds it to ``needs_monthly`` in
one transaction (one upsert, ``INSERT … ON CONFLICT DO UPDATE`` on SQLite and PostgreSQL):
per territory and need, and the sums every view reads (``rollup_rows``), so that a page reads
at most a few thousand pre-aggregated rows, never the events. With 10 million events
(``bench/needs.py``) the national page reads about 5,000 rows instead of 1.5 million.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from persistence.database import Database
from persistence.tables import needs_monthly, orientation_needs, search_events
from resource_base.needs_events import FEW_ANSWERS, SearchEvent

ALL = "*"  # every department, or every need
ALL_TERRITORIES = -1  # every territory of a department (0 is "no territory")


def rollup_rows(event: SearchEvent) -> list[dict]:
    """The ``needs_monthly`` increments of ``event``: per (department, territory, need), per
    (department, need), per need nationally, and the sums over needs of the department and
    of the country. A search for several needs counts once per need in every sum."""
    departement, mois = event.departement or "", event.mois
    territory = event.territoire_id or 0
    totals = {"recherches": 0, "sans_reponse": 0, "moins_de_3": 0}
    rows = []
    for need, found in event.rollup():
        counts = {
            "recherches": 1,
            "sans_reponse": int(found == 0),
            "moins_de_3": int(found < FEW_ANSWERS),
        }
        for key, value in counts.items():
            totals[key] += value
        for dep, terr in (
            (departement, territory),
            (departement, ALL_TERRITORIES),
            (ALL, ALL_TERRITORIES),
        ):
            rows.append(
                {"departement": dep, "mois": mois, "territoire_id": terr, "thematique": need}
                | counts
            )
    for dep in (departement, ALL):
        rows.append(
            {"departement": dep, "mois": mois, "territoire_id": ALL_TERRITORIES, "thematique": ALL}
            | totals
        )
    return rows


@dataclass(frozen=True)
class NeedFigures:
    """Summed counts of one key (a territory and need, a month, a department and need…)."""

    key: tuple
    recherches: int
    sans_reponse: int
    moins_de_3: int


def upsert(database: Database, table, values: list[dict], keys: list[str], added: list[str]):
    """``INSERT … ON CONFLICT (keys) DO UPDATE SET c = c + excluded.c`` for ``added``."""
    dialect = sqlite if database.is_sqlite else postgresql
    statement = dialect.insert(table).values(values)
    return statement.on_conflict_do_update(
        index_elements=keys,
        set_={name: table.c[name] + statement.excluded[name] for name in added},
    )


class SqlNeedsLog:
    def __init__(self, database: Database):
        self.database = database

    def record(self, event: SearchEvent) -> None:
        """Store ``event`` (``SearchEvent.stored``) and add it to the monthly counts."""
        row = event.stored()
        rollup = rollup_rows(event)
        with self.database.engine.begin() as conn:
            conn.execute(
                insert(search_events).values(
                    jour=row.jour,
                    departement=row.departement,
                    territoire_id=row.territoire_id,
                    epci=row.epci,
                    thematiques=list(row.thematiques),
                    total=row.total,
                    par_besoin=dict(row.par_besoin),
                    moteur=row.moteur,
                    organisation=row.organisation,
                )
            )
            conn.execute(
                upsert(
                    self.database,
                    needs_monthly,
                    rollup,
                    ["departement", "mois", "territoire_id", "thematique"],
                    ["recherches", "sans_reponse", "moins_de_3"],
                )
            )

    def events(self, departement: str | None = None, limit: int = 1000) -> list[dict]:
        """The latest stored events, newest first (tests, audits)."""
        query = select(search_events).order_by(search_events.c.id.desc()).limit(limit)
        if departement is not None:
            query = query.where(search_events.c.departement == departement)
        with self.database.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def _sums(self, keys: list, where: list, debut: str, fin: str) -> list[NeedFigures]:
        m = needs_monthly.c
        query = (
            select(
                *keys,
                func.sum(m.recherches),
                func.sum(m.sans_reponse),
                func.sum(m.moins_de_3),
            )
            .where(m.mois >= debut, m.mois <= fin, *where)
            .group_by(*keys)
        )
        with self.database.engine.connect() as conn:
            return [
                NeedFigures(tuple(row[: len(keys)]), int(row[-3]), int(row[-2]), int(row[-1]))
                for row in conn.execute(query)
            ]

    def by_territory_and_need(self, departement: str, debut: str, fin: str) -> list[NeedFigures]:
        """``key = (territoire_id, thematique)``, months ``debut``…``fin`` (``YYYY-MM``)."""
        m = needs_monthly.c
        return self._sums(
            [m.territoire_id, m.thematique],
            [m.departement == departement, m.territoire_id >= 0],
            debut,
            fin,
        )

    def by_month(self, departement: str | None, debut: str, fin: str) -> list[NeedFigures]:
        """``key = (mois,)``, summed over needs: one department, or all when None."""
        m = needs_monthly.c
        return self._sums(
            [m.mois],
            [
                m.departement == (ALL if departement is None else departement),
                m.territoire_id == ALL_TERRITORIES,
                m.thematique == ALL,
            ],
            debut,
            fin,
        )

    def by_need(self, debut: str, fin: str) -> list[NeedFigures]:
        """``key = (thematique,)``, every department (the national ranking)."""
        m = needs_monthly.c
        return self._sums(
            [m.thematique],
            [m.departement == ALL, m.territoire_id == ALL_TERRITORIES, m.thematique != ALL],
            debut,
            fin,
        )

    def by_department(self, debut: str, fin: str) -> list[NeedFigures]:
        """``key = (departement,)``, summed over needs (the national view)."""
        m = needs_monthly.c
        return self._sums(
            [m.departement],
            [m.territoire_id == ALL_TERRITORIES, m.thematique == ALL, m.departement != ALL],
            debut,
            fin,
        )

    def by_department_and_need(self, debut: str, fin: str) -> list[NeedFigures]:
        """``key = (departement, thematique)``, every department (the national CSV)."""
        m = needs_monthly.c
        return self._sums(
            [m.departement, m.thematique],
            [m.territoire_id == ALL_TERRITORIES, m.thematique != ALL, m.departement != ALL],
            debut,
            fin,
        )

    def orientations_by_need(self, departement: str | None, debut: str, fin: str) -> dict:
        """Orientation sheets per need (sensitive needs included: aggregates only)."""
        o = orientation_needs.c
        query = (
            select(o.thematique, func.sum(o.orientations))
            .where(o.mois >= debut, o.mois <= fin)
            .group_by(o.thematique)
        )
        if departement is not None:
            query = query.where(o.departement == departement)
        with self.database.engine.connect() as conn:
            return {row[0]: int(row[1]) for row in conn.execute(query)}
