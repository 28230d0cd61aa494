"""Opening hours (``horaires_accueil``, OpenStreetMap syntax) for people: open now, and the
week in plain French.

Pure Python over ``opening_hours`` (no Flask): an invalid expression never breaks a page, it
is shown as written with a "to check" status. ``place_status`` reads the hours in the place's
own time zone (``resource_base.opening``) and never says "open" for a temporarily closed place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from opening_hours import OpeningHours, State

from resource_base import opening

JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

OUVERT = "ouvert"
FERME = "ferme"
INCONNU = "inconnu"  # the expression does not say (or cannot be read)
NON_RENSEIGNE = "non-renseigne"


@dataclass(frozen=True)
class OpeningStatus:
    etat: str  # OUVERT, FERME, INCONNU, NON_RENSEIGNE
    libelle: str  # "Ouvert maintenant"…
    precision: str = ""  # "ferme à 12 h", "ouvre lundi à 9 h", a comment of the source

    @property
    def texte(self) -> str:
        return f"{self.libelle} · {self.precision}" if self.precision else self.libelle


@lru_cache(maxsize=4096)
def _parse(expression: str, country: str | None) -> OpeningHours | None:
    try:
        return OpeningHours(expression, country=country) if country else OpeningHours(expression)
    except Exception:  # ParserError, and anything the Rust parser raises on odd input
        return None


def is_valid(expression: str | None) -> bool:
    return bool(expression and expression.strip()) and _parse(expression.strip(), None) is not None


def heure(moment: time | datetime) -> str:
    """``9:00`` → ``9 h``, ``14:30`` → ``14 h 30``."""
    return f"{moment.hour} h" if moment.minute == 0 else f"{moment.hour} h {moment.minute:02d}"


def _when(change: datetime, now: datetime) -> str:
    days = (change.date() - now.date()).days
    if days == 0:
        return f"à {heure(change)}"
    if days == 1:
        return f"demain à {heure(change)}"
    if days < 7:
        return f"{JOURS[change.weekday()]} à {heure(change)}"
    return f"le {change.day:d}/{change.month:02d} à {heure(change)}"


def opening_status(expression: str | None, now: datetime) -> OpeningStatus:
    """Whether the place is open at ``now`` (naive local time), with the next change.

    >>> opening_status("24/7", datetime(2026, 1, 5, 3)).libelle
    'Ouvert maintenant'
    """
    if not expression or not expression.strip():
        return OpeningStatus(NON_RENSEIGNE, "Horaires non renseignés")
    parsed = _parse(expression.strip(), "FR")  # French public holidays ("PH off")
    if parsed is None:
        return OpeningStatus(INCONNU, "Horaires à vérifier")
    try:
        state, comment = parsed.state(now)
        change = parsed.next_change(now)
    except Exception:
        return OpeningStatus(INCONNU, "Horaires à vérifier")
    if state == State.OPEN:
        precision = f"ferme {_when(change, now)}" if change else ""
        return OpeningStatus(OUVERT, "Ouvert maintenant", precision or comment)
    if state == State.CLOSED:
        precision = f"ouvre {_when(change, now)}" if change else ""
        return OpeningStatus(FERME, "Fermé actuellement", precision or comment)
    return OpeningStatus(INCONNU, "Horaires à vérifier", comment)


def place_status(record: dict, moment: datetime) -> OpeningStatus:
    """The opening status of a record (``horaires_accueil``, ``departement``, ``statut``) at
    ``moment`` (aware), read in the place's own time zone: 10:00 in Paris is 13:00 in
    Mayotte. A temporarily closed place is "Fermé temporairement", whatever its hours say.
    """
    if record.get("statut") == "fermeture-temporaire":
        return OpeningStatus(FERME, "Fermé temporairement", "appelez avant de vous déplacer")
    departement = record.get("departement")
    status = opening_status(record.get("horaires_accueil"), opening.local_now(departement, moment))
    if status.precision and opening.time_zone(departement) != opening.PARIS:
        return OpeningStatus(status.etat, status.libelle, f"{status.precision} (heure locale)")
    return status


def _day_slots(parsed: OpeningHours, day: date) -> tuple[tuple[time, time | None, str], ...]:
    start = datetime.combine(day, time())
    end = start + timedelta(days=1)
    slots = []
    for begin, finish, state, comment in parsed.intervals(start, end):
        if state != State.OPEN and not (state == State.UNKNOWN and comment):
            continue
        slot_end = None if finish is None or finish >= end else finish.time()
        slots.append((begin.time(), slot_end, comment))
    return tuple(slots)


def _slot_text(begin: time, end: time | None) -> str:
    if begin == time() and end is None:
        return "toute la journée"
    return f"de {heure(begin)} à {heure(end) if end else '24 h'}"


def _days_text(first: int, last: int) -> str:
    if first == last:
        return JOURS[first].capitalize()
    if last == first + 1:
        return f"{JOURS[first].capitalize()} et {JOURS[last]}"
    return f"Du {JOURS[first]} au {JOURS[last]}"


def weekly_schedule(expression: str | None, today: date | None = None) -> list[str] | None:
    """The opening hours of a typical week in French, days with the same hours grouped:
    ``["Du lundi au vendredi : de 9 h à 12 h et de 14 h à 17 h", "Samedi : de 9 h à 12 h"]``.
    None when the expression is missing or cannot be read.
    """
    if not expression or not expression.strip():
        return None
    parsed = _parse(expression.strip(), None)  # no holidays: describe an ordinary week
    if parsed is None:
        return None
    today = today or date.today()
    monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    try:
        week = [_day_slots(parsed, monday + timedelta(days=i)) for i in range(7)]
    except Exception:
        return None
    if all(not slots for slots in week):
        return ["Fermé toute la semaine (ou sur rendez-vous : voir les précisions)"]
    if all(slots == ((time(), None, ""),) for slots in week):
        return ["Tous les jours, 24 h/24"]
    lines = []
    i = 0
    while i < 7:
        j = i
        while j + 1 < 7 and week[j + 1] == week[i]:
            j += 1
        if week[i]:
            parts = [_slot_text(b, e) for b, e, _ in week[i]]
            comments = sorted({c for _, _, c in week[i] if c})
            text = " et ".join(parts)
            if comments:
                text += f" ({', '.join(comments)})"
            label = "Tous les jours" if (i, j) == (0, 6) else _days_text(i, j)
            lines.append(f"{label} : {text}")
        i = j + 1
    upper = expression.upper()
    if "PH OFF" in upper or "PH CLOSED" in upper:
        lines.append("Fermé les jours fériés")
    return lines
