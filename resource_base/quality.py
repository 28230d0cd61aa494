"""Record quality: data·inclusion's official score, right on the day of the search.

The score is ``data_inclusion.schema.v1.score_qualite.score`` (package
``data-inclusion-schema``): the mean of the applicable criteria (address, modes de
mobilisation, publics, thématiques, a contact, e-mail, **freshness**, frais, description,
phone), each in [0, 1] rounded to 2 decimals, the mean rounded to 2 decimals. Relais shows it
as an integer 0–100 (``explication.points.qualite``) and uses it as the third ranking key.

Only freshness depends on time (``date_maj_recente``: 1 for a record under 6 months old,
falling linearly to 0 at 2 years, read from the clock): a score computed at import would stay
frozen. So the score is stored as a step function of the day, and evaluated on the search day:

- ``quality_steps(resource)`` (at import) evaluates the time-independent criteria once with the
  official functions, then the score for every age of the record: a tuple of
  ``Step(depuis, jusqu_a, valeur)``, consecutive day intervals ``[depuis, jusqu_a)`` covering
  1970-01-01 to 9999-12-31 (about 15 steps for a dated record, one for the others);
- ``quality_on(steps, today)`` (at search) is the value of the interval holding ``today``.

The freshness of each age (0–731 days) comes from the official ``date_maj_recente`` itself,
called once per process and age with a record dated that many days before today (the
criterion depends on the age only); no formula is copied. The official function has one
quirk, kept: at exactly 180 days (``SIX_MOIS``) neither of its bounds holds and it returns 0.
Days before ``date_maj`` (which the importer refuses in the future) count as age 0.

Both engines evaluate the same steps (``search_engines``): the embedded engine in numpy, per
day; Elasticsearch from nested documents, sorted by the value of the step whose range holds
the day (a nested sort with a range filter: the test distribution has no scripting).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import NamedTuple

from data_inclusion.schema.v1 import Service
from data_inclusion.schema.v1 import score_qualite as official

from resource_base.models import Resource

FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(9999, 12, 31)
# Past this age (days) the official freshness is 0 for good (``DEUX_ANS``: 730 days).
MAX_AGE_DAYS = 731


class Step(NamedTuple):
    """The score (0–100) from ``depuis`` included to ``jusqu_a`` excluded."""

    depuis: date
    jusqu_a: date
    valeur: int


def quality_steps(resource: Resource) -> tuple[Step, ...]:
    """The official score of ``resource`` as a step function of the day (module docstring).

    >>> [s.valeur for s in quality_steps(Resource("x", "s", "x", "51", "Nom", "Structure"))]
    [0]
    """
    values = _static_values(_features(resource))
    position = official.CRITERES.index(official.date_maj_recente)
    if official.date_maj_recente(_undated(resource.source)) is None:
        return (Step(FIRST_DAY, LAST_DAY, _score(values)),)  # a source the criterion skips
    if resource.date_maj is None:
        return (Step(FIRST_DAY, LAST_DAY, _score(_with(values, position, 0.0))),)
    return _dated_steps(values, position, resource.date_maj)


@lru_cache(maxsize=65_536)
def _dated_steps(
    values: tuple[float | None, ...], position: int, date_maj: str
) -> tuple[Step, ...]:
    """The steps of records with these criteria values and update date: few distinct pairs
    in a department's file, so each is built once."""
    dated = date.fromisoformat(date_maj)
    steps = []
    for start_age, end_age, value in _relative_steps(values, position):
        start = FIRST_DAY if start_age == 0 else dated + timedelta(days=start_age)
        end = LAST_DAY if end_age is None else dated + timedelta(days=end_age)
        steps.append(Step(start, end, value))
    return tuple(steps)


def quality_on(steps: tuple[Step, ...], today: date) -> int:
    """The score (0–100) on ``today``: the value of the step holding that day
    (``quality_steps`` covers every day). 0 without steps: a document indexed before they
    existed, until ``relais reindex`` (the Elasticsearch sort puts those last too)."""
    for step in steps:
        if step.depuis <= today < step.jusqu_a:
            return step.valeur
    return 0


def quality(resource: Resource, today: date | None = None) -> int:
    """The official score of ``resource`` on ``today`` (default: today), 0–100."""
    return quality_on(quality_steps(resource), today or date.today())


def steps_to_json(steps: tuple[Step, ...]) -> list[dict]:
    """``[{"depuis": "1970-01-01", "jusqu_a": "2026-06-01", "valeur": 83}, …]`` (ISO dates):
    the form both engines index."""
    return [
        {"depuis": s.depuis.isoformat(), "jusqu_a": s.jusqu_a.isoformat(), "valeur": s.valeur}
        for s in steps
    ]


@lru_cache(maxsize=65_536)
def steps_json_text(steps: tuple[Step, ...]) -> str:
    """``steps_to_json`` as compact JSON text (what the embedded engine stores)."""
    return json.dumps(steps_to_json(steps), separators=(",", ":"))


def steps_from_json(items: list[dict]) -> tuple[Step, ...]:
    """The inverse of ``steps_to_json`` (an indexed document back to steps)."""
    return tuple(
        Step(date.fromisoformat(i["depuis"]), date.fromisoformat(i["jusqu_a"]), int(i["valeur"]))
        for i in items
    )


# --- internals ---------------------------------------------------------------------------


def _features(resource: Resource) -> tuple:
    """What the official criteria read of a record, as a hashable key: the vocabulary
    fields, the description's length, and whether each free-text field is filled (the
    criteria test those for presence only). Empty lists become None, as in the schema."""
    return (
        resource.source,
        len(resource.description or ""),
        *(
            bool(value)
            for value in (
                resource.adresse,
                resource.telephone,
                resource.courriel,
                resource.lien_mobilisation,
                resource.frais_precisions,
            )
        ),
        resource.frais,
        *(
            tuple(values) or None
            for values in (
                resource.thematiques,
                resource.publics,
                resource.modes_accueil,
                resource.modes_mobilisation,
                resource.mobilisable_par,
            )
        ),
    )


@lru_cache(maxsize=16384)
def _static_values(features: tuple) -> tuple[float | None, ...]:
    """Each official criterion's value for records with these ``features``; None in the
    freshness position (evaluated per day) and for criteria that do not apply."""
    (source, description_length, adresse, telephone, courriel, lien, precisions, frais) = features[
        :8
    ]
    thematiques, publics, modes_accueil, modes_mobilisation, mobilisable_par = features[8:]
    service = Service.model_construct(
        source=source,
        description="x" * description_length,
        adresse="x" if adresse else None,
        telephone="x" if telephone else None,
        courriel="x" if courriel else None,
        lien_mobilisation="x" if lien else None,
        frais=frais,
        frais_precisions="x" if precisions else None,
        thematiques=thematiques,
        publics=publics,
        modes_accueil=modes_accueil,
        modes_mobilisation=modes_mobilisation,
        mobilisable_par=mobilisable_par,
        date_maj=None,
    )
    values: list[float | None] = []
    for criterion in official.CRITERES:
        if criterion is official.date_maj_recente:
            values.append(None)
            continue
        try:
            values.append(criterion(service))
        except ValueError:
            # The schema requires a description of 5+ characters; ours may be empty.
            values.append(0.0)
    return tuple(values)


@lru_cache(maxsize=64)
def _undated(source: str) -> Service:
    return Service.model_construct(source=source, date_maj=None)


def _score(values: tuple[float | None, ...] | list[float | None]) -> int:
    """``score_qualite.score``'s arithmetic, in its order, as an integer percentage."""
    relevant = [round(v, 2) for v in values if v is not None]
    return round(round(sum(relevant) / len(relevant), 2) * 100)


def _with(values: tuple[float | None, ...], position: int, value: float) -> list[float | None]:
    out = list(values)
    out[position] = value
    return out


@lru_cache(maxsize=4096)
def _relative_steps(
    values: tuple[float | None, ...], position: int
) -> tuple[tuple[int, int | None, int], ...]:
    """``(start age, end age or None, score)`` runs for a record's time-independent criteria:
    few distinct combinations, so each is computed once."""
    runs: list[list] = []
    freshness = _freshness_by_age()
    for age in range(MAX_AGE_DAYS + 1):
        value = _score(_with(values, position, freshness[age]))
        if runs and runs[-1][2] == value:
            continue
        if runs:
            runs[-1][1] = age
        runs.append([age, None, value])
    return tuple((start, end, value) for start, end, value in runs)


@cache
def _freshness_by_age() -> tuple[float, ...]:
    """The official ``date_maj_recente`` for every age 0…``MAX_AGE_DAYS`` (days)."""
    while True:
        today = date.today()
        table = tuple(
            official.date_maj_recente(
                Service.model_construct(source="relais", date_maj=today - timedelta(days=age))
            )
            for age in range(MAX_AGE_DAYS + 1)
        )
        if date.today() == today:  # not across midnight: every age is from the same day
            return table
