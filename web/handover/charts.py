"""The dashboard's figures shaped for the page (chart attributes, French numbers) and for the
CSV export: one place, so that a chart, its table and the CSV always say the same."""

from __future__ import annotations

from datetime import datetime

from handover.dashboard import STEPS, Dashboard, Figures, reason_label
from handover.dates import PARIS


def days(value: float | None) -> str:
    """``12.25`` → ``"12,3"``; None → ``"–"`` (no hand-over reached the step)."""
    return "–" if value is None else f"{value:.1f}".replace(".", ",")


def moment(value: datetime) -> str:
    """An aware moment in French, Paris time: ``"30/11/2026 à 23 h 50"``."""
    local = value.astimezone(PARIS)
    return f"{local:%d/%m/%Y} à {local.hour} h {local:%M}"


def percent(value: float | None) -> str:
    """``0.5714`` → ``"57 %"`` (French: a non-breaking space before the sign)."""
    return "–" if value is None else f"{round(value * 100):d}\u00a0%"


def _number(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def chart_data(board: Dashboard) -> dict:
    """The attributes of the two ``<bar-chart>`` elements (lists of lists, as the component
    reads them): délais per step (median, P75, P90) and the entry rate per group beside the
    national reference (one proposal in two)."""
    total = board.total.delais
    steps = [label.removeprefix("Proposition → ") for label in STEPS.values()]
    groups = [g for g in board.groups if g.figures.propositions]
    return {
        "delais": {
            "x": [steps] * 3,
            "y": [
                [_number(total[s].p50) or 0 for s in STEPS],
                [_number(total[s].p75) or 0 for s in STEPS],
                [_number(total[s].p90) or 0 for s in STEPS],
            ],
            "name": ["Médiane", "75e centile", "90e centile"],
        },
        "entrees": {
            "x": [[g.label for g in groups]] * 2,
            "y": [
                [round((g.figures.taux_entree or 0) * 100) for g in groups],
                [50 for _ in groups],
            ],
            "name": ["Taux d'entrée", "Référence nationale (une sur deux)"],
        },
    }


def group_rows(board: Dashboard) -> list[tuple]:
    """The groups' table, formatted once (a national view has hundreds of rows): per group
    ``(label, propositions, recentes, four medians, "entry median · P75 · P90", four rates)``."""
    steps = list(STEPS)[:4]
    rows = []
    for group in board.groups:
        f = group.figures
        entree = f.delais["jours_entree"]
        rows.append(
            (
                group.label,
                f.propositions,
                f.recentes,
                *(days(f.delais[step].p50) for step in steps),
                f"{days(entree.p50)} · {days(entree.p75)} · {days(entree.p90)}",
                percent(f.taux_entree),
                percent(f.taux_refus),
                percent(f.taux_expiration),
                percent(f.taux_redirection),
            )
        )
    return rows


HEADER = (
    ["regroupement", "groupe", "propositions_comptees", "propositions_recentes"]
    + [f"{step}_{what}" for step in STEPS for what in ("n", "mediane", "p75", "p90")]
    + [
        "entrees",
        "taux_entree",
        "refus",
        "taux_refus",
        "expirations",
        "taux_expiration",
        "redirigees",
        "taux_redirection",
        "motifs_refus",
    ]
)


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}".replace(".", ",")


def _day(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}".replace(".", ",")


def _text(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula (OWASP: prefix with ')."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _row(grouping: str, label: str, figures: Figures) -> list:
    row = [_text(grouping), _text(label), figures.propositions, figures.recentes]
    for step in STEPS:
        delay = figures.delais[step]
        row += [delay.n, _day(delay.p50), _day(delay.p75), _day(delay.p90)]
    reasons = " | ".join(f"{reason_label(c)} : {n}" for c, n in figures.motifs_refus.items())
    return row + [
        figures.entrees,
        _rate(figures.taux_entree),
        figures.refus,
        _rate(figures.taux_refus),
        figures.expirations,
        _rate(figures.taux_expiration),
        figures.redirigees,
        _rate(figures.taux_redirection),
        _text(reasons),
    ]


def csv_rows(board: Dashboard) -> list[list]:
    """The header, one row per group, then the total (French decimal comma; délais in days,
    rates as fractions of the mature proposals)."""
    rows = [HEADER]
    rows += [_row(board.grouping_label, g.label, g.figures) for g in board.groups]
    rows.append([*_row("total", "Ensemble", board.total)])
    return rows
