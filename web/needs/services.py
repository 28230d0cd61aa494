"""The unmet-needs page's figures: the monthly counts of ``persistence.needs`` summed over a
period, masked ("< 5") and ranked by shortfall (issue 13).

Only masked values leave this module for the page and the CSV (``Figure``): the real counts
of a row below ``MASK_BELOW`` are never rendered, in the tables as in the charts (a masked
count is drawn as 0 and the table beside the chart says "< 5").
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date

from resource_base import vocabulary
from resource_base.months import month_label
from resource_base.needs_events import (
    FEW_ANSWERS,
    MASK_BELOW,
    NO_NEED,
    masked,
    month_range,
    shown_rate,
)

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
DEFAULT_MONTHS = 12
MAX_MONTHS = 120
CHART_NEEDS = 10  # needs drawn in the ranking chart (the table lists them all)
NO_TERRITORY = "Communes sans territoire"


@dataclass(frozen=True)
class Period:
    debut: str  # YYYY-MM
    fin: str

    @property
    def months(self) -> list[str]:
        start = date(int(self.debut[:4]), int(self.debut[5:]), 1)
        end = date(int(self.fin[:4]), int(self.fin[5:]), 1)
        return month_range(start, end)

    @property
    def label(self) -> str:
        return f"de {month_label(self.debut)} à {month_label(self.fin)}"


def _shift(month: str, delta: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:]) - 1 + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def parse_period(args, today: date) -> tuple[Period, list[str]]:
    """The period of ``debut`` and ``fin`` (``YYYY-MM``, as ``<input type="month">`` sends
    them); by default the last 12 months up to ``today``'s. Returns the period and French
    errors (the default period then stands)."""
    current = f"{today.year:04d}-{today.month:02d}"
    default = Period(_shift(current, 1 - DEFAULT_MONTHS), current)
    debut = (args.get("debut") or "").strip() or default.debut
    fin = (args.get("fin") or "").strip() or default.fin
    errors = []
    for name, value in (("début", debut), ("fin", fin)):
        if not _MONTH.match(value):
            errors.append(f"Mois de {name} invalide : « {value[:20]} » (attendu : AAAA-MM).")
    if errors:
        return default, errors
    if debut > fin:
        return default, ["Le mois de début doit précéder le mois de fin."]
    if len(Period(debut, fin).months) > MAX_MONTHS:
        return default, [f"La période dépasse {MAX_MONTHS} mois."]
    return Period(debut, fin), []


def need_label(slug: str) -> str:
    if slug == NO_NEED:
        return "Sans besoin précisé"
    return vocabulary.label(slug) if vocabulary.is_thematique(slug) else slug


@dataclass
class Figure:
    """One row of the page and of the CSV, counts masked."""

    libelle: str
    thematique: str
    recherches: str
    sans_reponse: str
    moins_de_3: str
    taux_moins_de_3: str
    territoire: str = ""
    departement: str = ""
    orientations: str = ""
    # For the chart only: the count, or 0 when masked.
    valeur_graphique: int = 0

    @classmethod
    def of(cls, figures, libelle: str, thematique: str, **extra) -> Figure:
        few = figures.moins_de_3
        return cls(
            libelle=libelle,
            thematique=thematique,
            recherches=masked(figures.recherches),
            sans_reponse=masked(figures.sans_reponse),
            moins_de_3=masked(few),
            taux_moins_de_3=shown_rate(few, figures.recherches),
            valeur_graphique=few if few >= MASK_BELOW else 0,
            **extra,
        )


def _ranking_key(figures) -> tuple:
    """Most searches with fewer than 3 answers first; masked counts tie (their order would
    tell them apart), then by name."""
    few = figures.moins_de_3 if figures.moins_de_3 >= MASK_BELOW else 0
    none = figures.sans_reponse if figures.sans_reponse >= MASK_BELOW else 0
    return (-few, -none)


@dataclass
class _Sum:
    recherches: int = 0
    sans_reponse: int = 0
    moins_de_3: int = 0

    def add(self, other) -> None:
        self.recherches += other.recherches
        self.sans_reponse += other.sans_reponse
        self.moins_de_3 += other.moins_de_3


@dataclass
class Report:
    period: Period
    departement: str | None  # None: every department (national view)
    par_territoire: list[Figure] = field(default_factory=list)
    classement: list[Figure] = field(default_factory=list)
    tendance: list[Figure] = field(default_factory=list)
    par_departement: list[Figure] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.classement

    def ranking_chart(self) -> dict:
        shown = self.classement[:CHART_NEEDS]
        return {
            "x": json.dumps([[f.libelle for f in shown]], ensure_ascii=False),
            "y": json.dumps([[f.valeur_graphique for f in shown]]),
            "name": json.dumps([f"Recherches avec moins de {FEW_ANSWERS} réponses"]),
        }

    def trend_chart(self) -> dict:
        labels = [f.libelle for f in self.tendance]
        return {
            "x": json.dumps([labels, labels], ensure_ascii=False),
            "y": json.dumps(
                [
                    [_chart_value(f.recherches) for f in self.tendance],
                    [f.valeur_graphique for f in self.tendance],
                ]
            ),
            "name": json.dumps(
                ["Recherches par besoin", f"Dont moins de {FEW_ANSWERS} réponses"],
                ensure_ascii=False,
            ),
        }


def _chart_value(shown: str) -> int:
    return 0 if shown == masked(0) else int(shown)


def department_report(log, departement: str, period: Period, territory_names: dict) -> Report:
    """The page of one department: per territory and need, the needs ranked by shortfall,
    the monthly trend. ``territory_names``: territory id → name."""
    report = Report(period, departement)
    rows = log.by_territory_and_need(departement, period.debut, period.fin)
    orientations = log.orientations_by_need(departement, period.debut, period.fin)
    per_need: dict[str, _Sum] = {}
    for row in sorted(rows, key=lambda r: (territory_names.get(r.key[0], ""), r.key[1])):
        territoire_id, need = row.key
        name = territory_names.get(territoire_id) or (
            NO_TERRITORY if territoire_id == 0 else "Territoire supprimé"
        )
        report.par_territoire.append(Figure.of(row, need_label(need), need, territoire=name))
        per_need.setdefault(need, _Sum()).add(row)
    report.classement = [
        Figure.of(total, need_label(need), need, orientations=masked(orientations.get(need, 0)))
        for need, total in sorted(
            per_need.items(), key=lambda item: (*_ranking_key(item[1]), need_label(item[0]))
        )
    ]
    report.tendance = _trend(log, departement, period)
    return report


def national_report(log, period: Period) -> Report:
    """Every department: per department, the national ranking of needs, the trend."""
    report = Report(period, None)
    orientations = log.orientations_by_need(None, period.debut, period.fin)
    report.classement = [
        Figure.of(
            row,
            need_label(row.key[0]),
            row.key[0],
            orientations=masked(orientations.get(row.key[0], 0)),
        )
        for row in sorted(
            log.by_need(period.debut, period.fin),
            key=lambda r: (*_ranking_key(r), need_label(r.key[0])),
        )
    ]
    report.par_departement = [
        Figure.of(row, row.key[0] or "inconnu", "", departement=row.key[0])
        for row in sorted(log.by_department(period.debut, period.fin), key=lambda r: r.key)
    ]
    report.tendance = _trend(log, None, period)
    return report


def _trend(log, departement: str | None, period: Period) -> list[Figure]:
    found = {row.key[0]: row for row in log.by_month(departement, period.debut, period.fin)}
    return [Figure.of(found.get(m) or _Sum(), month_label(m), "") for m in period.months]


CSV_HEADER = [
    "periode_debut",
    "periode_fin",
    "departement",
    "territoire",
    "thematique",
    "libelle",
    "recherches",
    "sans_reponse",
    "moins_de_3_reponses",
    "part_moins_de_3",
]


def csv_text(report: Report, rows: list[Figure]) -> str:
    """The CSV of ``rows`` (``;``, UTF-8 with BOM, as the import's rejects): masked counts
    ("< 5"), as on the page."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for f in rows:
        writer.writerow(
            [
                report.period.debut,
                report.period.fin,
                f.departement or report.departement or "",
                f.territoire,
                f.thematique,
                f.libelle,
                f.recherches,
                f.sans_reponse,
                f.moins_de_3,
                f.taux_moins_de_3,
            ]
        )
    return "\ufeff" + buffer.getvalue()


def national_csv_rows(log, period: Period) -> list[Figure]:
    """Per department and need, every department (the national CSV)."""
    return [
        Figure.of(row, need_label(row.key[1]), row.key[1], departement=row.key[0])
        for row in sorted(log.by_department_and_need(period.debut, period.fin), key=lambda r: r.key)
    ]
