"""Record quality: data·inclusion's official score, right on the day of the search.

The score is ``data_inclusion.schema.v1.score_qualite.score`` (package
``data-inclusion-schema``): the mean of the applicable criteria (address, modes de
mobilisation, publics, thématiques, a contact, e-mail, **freshness**, frais, description,
phone), each in [0, 1] rounded to 2 decimals, the mean rounded to 2 decimals. Relais shows it
as an integer 0–100 (``explication.points.qualite``) and uses it as the third ranking key.

Only freshness depends on time (``date_maj_recente``: 1 for a record under 6 months old,
falling linearly to 0 at 2 years, read from the clock): a score computed at import would stay
frozen. So the score is stored as a step function of the day, and evaluated on the search day:

- ``quality_code(resource)`` (at import) evaluates the time-independent criteria once with the
  official functions, then the score for every age of the record, and writes it compactly:
  ``"2025-01-14|0:94,180:83,181:94,227:93,…"`` (``date_maj``, then from which age in days each
  score holds; ``"|0:55"`` for a record whose score does not depend on the day);
- ``quality_steps(code)`` turns it into ``Step(depuis, jusqu_a, valeur)``: consecutive day
  intervals ``[depuis, jusqu_a)`` from 1970-01-01 to 9999-12-31 (about 15 for a dated record);
- ``quality_on(steps, today)`` (at search) is the value of the interval holding ``today``.

The freshness of each age (0–731 days) comes from the official ``date_maj_recente`` itself,
called once per process and age with a record dated that many days before today (the
criterion depends on the age only): its formula is not copied. Only the final mean is
redone here, in ``score``'s order and rounding (``score`` itself takes one whole record and the
clock); ``tests/test_quality.py`` compares both, day by day. The official function has one
quirk, kept: at exactly 180 days (``SIX_MOIS``) neither of its bounds holds and it returns 0.
Days before ``date_maj`` (which the importer refuses in the future) count as age 0.

Both engines store the code (``qualite``) and evaluate the same steps (``search_engines``): the
embedded engine in numpy, once per day; Elasticsearch from nested documents
(``qualite_paliers``), sorted by the value of the step whose range holds the day (a nested sort
with a range filter: the test distribution has no scripting).
"""

from __future__ import annotations

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


def quality_code(resource: Resource) -> str:
    """The official score of ``resource`` by day, as compact text (module docstring).

    >>> quality_code(Resource("x", "s", "x", "51", "Nom", "Structure"))
    '|0:0'
    """
    values = _static_values(_features(resource))
    position = _FRESHNESS_POSITION
    if _skips_freshness(resource.source):
        return f"|0:{_score(values)}"  # a source the criterion skips
    if resource.date_maj is None:
        return f"|0:{_score(_with(values, position, 0.0))}"
    return resource.date_maj + "|" + _relative_code(values, position)


QUALITY_KEY = "_quality_code"


def keep_quality_code(resource: Resource) -> None:
    """Compute ``quality_code(resource)`` now and keep it on the object (an import worker
    does it); a later change to one of its fields must drop it (``store.forget_serialised``)."""
    resource.__dict__[QUALITY_KEY] = quality_code(resource)


def stored_quality_code(resource: Resource) -> str:
    """The code kept by ``keep_quality_code``, else ``quality_code(resource)``."""
    kept = resource.__dict__.get(QUALITY_KEY)
    return kept if kept is not None else quality_code(resource)


@lru_cache(maxsize=65_536)
def quality_steps(code: str) -> tuple[Step, ...]:
    """The steps a ``quality_code`` stands for; ``()`` for an empty or malformed code."""
    dated, _, runs = code.partition("|")
    try:
        starts = [(int(age), int(value)) for age, value in (r.split(":") for r in runs.split(","))]
        origin = date.fromisoformat(dated) if dated else None
    except ValueError:
        return ()
    steps = []
    for index, (age, value) in enumerate(starts):
        start = FIRST_DAY if age == 0 or origin is None else origin + timedelta(days=age)
        following = starts[index + 1][0] if index + 1 < len(starts) else None
        end = (
            LAST_DAY if following is None or origin is None else origin + timedelta(days=following)
        )
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
    return quality_on(quality_steps(quality_code(resource)), today or date.today())


def steps_to_json(steps: tuple[Step, ...]) -> list[dict]:
    """``[{"depuis": "1970-01-01", "jusqu_a": "2026-06-01", "valeur": 83}, …]`` (ISO dates):
    the nested documents Elasticsearch indexes."""
    return [
        {"depuis": s.depuis.isoformat(), "jusqu_a": s.jusqu_a.isoformat(), "valeur": s.valeur}
        for s in steps
    ]


# --- internals ---------------------------------------------------------------------------


def _features(resource: Resource) -> tuple:
    """What the official criteria read of a record, as a hashable key with few distinct
    values: the description criterion's value (it reads the length), the frais, the modes
    d'accueil and de mobilisation (membership tests), and only whether each other field is
    filled (the criteria test those for presence). ``()`` stands for an empty list, which the
    schema writes None. Not the source: only the freshness criterion reads it, and that one
    is evaluated apart (``_skips_freshness``, ``_relative_code``), so that the departments'
    sources (``cd51``…) share one cache entry per combination. ``test_quality`` holds it to
    the official score."""
    # Spelled out: a generator of the bools costs a third of this function.
    return (
        _description_value(len(resource.description or "")),
        bool(resource.adresse),
        bool(resource.telephone),
        bool(resource.courriel),
        bool(resource.lien_mobilisation),
        bool(resource.frais_precisions),
        bool(resource.thematiques),
        bool(resource.publics),
        bool(resource.mobilisable_par),
        resource.frais,
        tuple(resource.modes_accueil),
        tuple(resource.modes_mobilisation),
    )


@lru_cache(maxsize=16384)
def _static_values(features: tuple) -> tuple[float | None, ...]:
    """Each official criterion's value for records with these ``features``; None in the
    freshness position (evaluated per day) and for criteria that do not apply."""
    (
        description,
        adresse,
        telephone,
        courriel,
        lien,
        precisions,
        thematiques,
        publics,
        mobilisable_par,
        frais,
        modes_accueil,
        modes_mobilisation,
    ) = features
    service = Service.model_construct(
        source="",  # read by the freshness criterion only, which is not evaluated here
        description="",  # scored by _description_value
        adresse="x" if adresse else None,
        telephone="x" if telephone else None,
        courriel="x" if courriel else None,
        lien_mobilisation="x" if lien else None,
        frais=frais,
        frais_precisions="x" if precisions else None,
        thematiques=("x",) if thematiques else None,
        publics=("x",) if publics else None,
        modes_accueil=modes_accueil or None,
        modes_mobilisation=modes_mobilisation or None,
        mobilisable_par=("x",) if mobilisable_par else None,
        date_maj=None,
    )
    values: list[float | None] = []
    for criterion in official.CRITERES:
        if criterion is official.date_maj_recente:
            values.append(None)
        elif criterion is official.description_bien_definie:
            values.append(description)
        else:
            values.append(criterion(service))
    return tuple(values)


@lru_cache(maxsize=16384)
def _description_value(length: int) -> float:
    """The official ``description_bien_definie`` for a description of ``length`` characters."""
    try:
        return official.description_bien_definie(Service.model_construct(description="x" * length))
    except ValueError:
        # The schema requires 5+ characters (the criterion raises on 0); ours may be empty.
        return 0.0


@lru_cache(maxsize=1024)
def _skips_freshness(source: str) -> bool:
    """Whether the official freshness criterion skips this source's records (it depends on
    the source only when ``date_maj`` is None): asked once per source, not per record."""
    return official.date_maj_recente(Service.model_construct(source=source, date_maj=None)) is None


_FRESHNESS_POSITION = official.CRITERES.index(official.date_maj_recente)


def _score(values: tuple[float | None, ...] | list[float | None]) -> int:
    """``score_qualite.score``'s arithmetic, in its order, as an integer percentage."""
    relevant = [round(v, 2) for v in values if v is not None]
    return round(round(sum(relevant) / len(relevant), 2) * 100)


def _with(values: tuple[float | None, ...], position: int, value: float) -> list[float | None]:
    out = list(values)
    out[position] = value
    return out


@lru_cache(maxsize=4096)
def _relative_code(values: tuple[float | None, ...], position: int) -> str:
    """``"0:94,180:83,181:94,…"``: from which age (days) each score holds, for a record's
    time-independent criteria (few distinct combinations: each is computed once)."""
    runs: list[str] = []
    previous = None
    freshness = _freshness_by_age()
    for age in range(MAX_AGE_DAYS + 1):
        if age and round(freshness[age], 2) == round(freshness[age - 1], 2):
            continue  # the score rounds each criterion to 2 decimals: same score
        value = _score(_with(values, position, freshness[age]))
        if value != previous:
            runs.append(f"{age}:{value}")
            previous = value
    return ",".join(runs)


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
