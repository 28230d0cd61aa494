"""Historical hand-overs for the bench (issue 10: 100,000 across 100 departments), written by
bulk inserts into the relational store.

Distributions (a seeded ``random.Random``; sources: ``../shared/DOMAIN.md``, issue 10):
proposals spread evenly over the last three years; axe 2 for 80 %, axe 3 for 20 %; 4
territories and 6 agences per department. Final outcomes: 8 % expire unclaimed after 45 days,
10 % are cancelled, 22 % refused (one or two reason codes), 60 % accepted, of which most enter
(one proposal in two leads to an entry, as in the national evaluation). Délais from the
proposal, log-normal: claim median 4 days, each diagnostic a week or so later, decision 1–5
days after the last diagnostic, entry about 8 days after the decision (median entry ≈ 24 days,
within the evaluation's 17–32). 8 % redirected once. A record only reaches the steps whose date
is past: recent proposals are still open. Closed records older than 24 months are anonymised
(identity removed) and get their anonymous ``handover_stats`` row, as ``relais taches`` does.

The store must be a fresh SQLite database (explicit ids keep the children's foreign keys simple).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import insert, select

from persistence.tables import (
    departements,
    handover_diagnostics,
    handover_stats,
    handovers,
    territories,
)

TERRITORIES_PER_DEPARTMENT = 4
AGENCES_PER_DEPARTMENT = 6
HISTORY_DAYS = 3 * 365
EXPIRY_DAYS = 45
ANONYMISE_AFTER_DAYS = 730
BATCH = 5000
REFUSALS = ("non_joignable", "absente", "non_eligible", "axe_inadapte", "refus_personne")
CANCELS = ("emploi", "formation", "demenagement", "retrait_consentement")


@dataclass
class Population:
    """What the measures need to know of the generated data."""

    count: int
    departements: list[str]
    territories: dict[str, list[int]]  # department → territory ids
    busiest: str  # the department with the most hand-overs
    statuses: dict[str, int]
    anonymised: int


def _lognormal(rng: random.Random, median: float, sigma: float = 0.6) -> int:
    return max(0, round(rng.lognormvariate(math.log(median), sigma)))


def _timeline(rng: random.Random, axe: int) -> dict:
    """Days from the proposal of every step the record will reach, and how it ends."""
    draw = rng.random()
    claim = _lognormal(rng, 4)
    if draw < 0.08:
        return {"end": "expiree", "closed": EXPIRY_DAYS}
    steps = {"claim": claim}
    steps["ft"] = claim + _lognormal(rng, 7) if axe == 2 else None
    steps["cd"] = claim + _lognormal(rng, 9)
    last = max(d for d in (steps["ft"], steps["cd"]) if d is not None)
    if draw < 0.18:
        steps.update(end="annulee", closed=claim + rng.randint(2, 20), ft=None, cd=None)
        return steps
    steps["decision"] = last + rng.randint(1, 5)
    if draw < 0.40:
        steps.update(end="refusee", closed=steps["decision"])
        return steps
    steps["entry"] = steps["decision"] + _lognormal(rng, 8)
    steps["end"] = "entree"
    return steps


def _row(rng: random.Random, number: int, departement: str, territory: int, today: date):
    axe = 2 if rng.random() < 0.8 else 3
    age = rng.randint(0, HISTORY_DAYS)
    proposed = today - timedelta(days=age)
    plan = _timeline(rng, axe)

    def day(key: str) -> date | None:
        offset = plan.get(key)
        return None if offset is None or offset > age else proposed + timedelta(days=offset)

    claimed, ft, cd, decided, entered = (day(k) for k in ("claim", "ft", "cd", "decision", "entry"))
    end = plan["end"]
    closed = day("closed")
    status, ended, renewed = "transmise", None, None
    if end in ("expiree", "annulee", "refusee") and closed is not None:
        status = end
    elif entered is not None:
        status = "entree"
        if axe == 2 and (today - entered).days > 365 and rng.random() < 0.3:
            status, renewed = "renouvelee", entered + timedelta(days=365)
        limit = 365 + (183 if renewed else 0)
        if (today - entered).days > limit:
            status, ended = "terminee", entered + timedelta(days=rng.randint(90, limit))
            closed = ended
    elif decided is not None:
        status = "acceptee"
    elif claimed is not None:
        status = "prise_en_charge"
    if status in ("transmise", "prise_en_charge", "acceptee", "entree", "renouvelee"):
        closed = None
    anonymised = closed is not None and (today - closed).days > ANONYMISE_AFTER_DAYS
    motifs = rng.sample(REFUSALS, rng.randint(1, 2)) if status == "refusee" else []
    redirections = 1 if rng.random() < 0.08 else 0
    agence = f"FT{departement}{rng.randint(1, AGENCES_PER_DEPARTMENT)}"
    last = max(d for d in (proposed, claimed, ft, cd, decided, entered, closed) if d is not None)
    values = {
        "id": number,
        "reference": f"{proposed.year}-{departement}-{number:06d}",
        "axe": axe,
        "status": status,
        "personne_cle": f"banc-{number:07d}",
        "identifiant_ft": None if anonymised else f"{number:08d}",
        "nom": None if anonymised else f"Nom{number}",
        "prenom": None if anonymised else "Prénom",
        "date_naissance": None if anonymised else date(1970 + number % 35, 1 + number % 12, 1),
        "code_commune": None if anonymised else f"{departement}001"[:5],
        "telephone": None,
        "courriel": None,
        "beneficiaire_rsa": rng.random() < 0.4,
        "freins": ["logement-hebergement", "difficultes-financieres"][: 1 + number % 2],
        "appreciations": ["freins_multiples"],
        "appreciation_texte": "" if anonymised or closed else "Situation décrite au conseiller.",
        "modalite": "entretiens_separes" if rng.random() < 0.8 else "entretien_tripartite",
        "consentement": {
            "portees": ["transmission", "diagnostic", "entree"],
            "date": proposed.isoformat(),
            "recueilli_par": None,
            "methode": "oral",
            "version_notice": "2026-11",
            "retire_le": None,
        },
        "departement": departement,
        "territoire_id": territory,
        "agence": agence,
        "proposee_par": None,
        "proposee_le": proposed,
        "prise_en_charge_le": claimed,
        "prise_en_charge_par": None,
        "referent_cd_id": None,
        "referent_ft_id": None,
        "decidee_le": decided,
        "motifs_refus": motifs,
        "refus_communicable": False,
        "entree_prevue_le": decided + timedelta(days=7) if decided and end == "entree" else None,
        "entree_le": entered,
        "fin_prevue_le": entered + timedelta(days=365) if entered else None,
        "renouvelee_le": renewed,
        "terminee_le": ended,
        "motif_fin": "emploi" if ended else "",
        "motif_annulation": rng.choice(CANCELS) if status == "annulee" else "",
        "redirections": redirections,
        "derniere_activite": f"{last.isoformat()}T09:00:00Z",
        "relances": {},
        "cloturee_le": closed,
        "textes_purges_le": closed + timedelta(days=92) if anonymised else None,
        "anonymisee_le": closed + timedelta(days=ANONYMISE_AFTER_DAYS) if anonymised else None,
    }
    diagnostics = [
        {
            "handover_id": number,
            "side": side,
            "auteur_id": None,
            "auteur_nom": "Agent du banc",
            "date": when,
            "tripartite": False,
            "synthese": "" if anonymised else "Synthèse du diagnostic.",
            "enregistre_le": f"{when.isoformat()}T10:00:00Z",
        }
        for side, when in (("france_travail", ft), ("departement", cd))
        if when is not None and status not in ("transmise", "annulee", "expiree")
    ]
    stat = None
    if anonymised:

        def since(when: date | None) -> int | None:
            return None if when is None else (when - proposed).days

        stat = {
            "mois": proposed.strftime("%Y-%m"),
            "departement": departement,
            "territoire_id": territory,
            "agence": agence,
            "axe": axe,
            "status": status,
            "motifs_refus": motifs,
            "redirections": redirections,
            "jours_prise_en_charge": since(claimed),
            "jours_diagnostic_ft": since(ft) if diagnostics else None,
            "jours_diagnostic_cd": since(cd) if diagnostics else None,
            "jours_decision": since(decided),
            "jours_entree": since(entered),
        }
    return values, diagnostics, stat


def generate(
    database,
    departements_codes: list[str],
    count: int,
    seed: int = 42,
    today: date | None = None,
    first_id: int = 1,
) -> Population:
    """Write ``count`` hand-overs spread over ``departements_codes`` (weighted by a
    department's rank, as populations are uneven) into a migrated store; territories and
    hand-overs get ids from ``first_id`` on (a fresh store: 1)."""
    rng = random.Random(seed)
    today = today or date.today()
    territory_ids: dict[str, list[int]] = {}
    next_id = first_id
    with database.engine.begin() as conn:
        known = set(conn.execute(select(departements.c.code)).scalars())
        new = [{"code": c, "partage": True} for c in departements_codes if c not in known]
        if new:
            conn.execute(insert(departements), new)
        rows = []
        for code in departements_codes:
            territory_ids[code] = []
            for k in range(1, TERRITORIES_PER_DEPARTMENT + 1):
                rows.append(
                    {
                        "id": next_id,
                        "departement": code,
                        "nom": f"Territoire {k}",
                        "kind": "mds",
                        "courriel": f"territoire{k}@cd{code.lower()}.invalid",
                    }
                )
                territory_ids[code].append(next_id)
                next_id += 1
        conn.execute(insert(territories), rows)
    weights = [1.0 / (1 + rank % 10) for rank in range(len(departements_codes))]
    statuses: dict[str, int] = {}
    per_department: dict[str, int] = {}
    anonymised = 0
    for start in range(first_id - 1, first_id - 1 + count, BATCH):
        batch, children, stats = [], [], []
        for number in range(start + 1, min(first_id - 1 + count, start + BATCH) + 1):
            code = rng.choices(departements_codes, weights)[0]
            values, diagnostics, stat = _row(
                rng, number, code, rng.choice(territory_ids[code]), today
            )
            batch.append(values)
            children += diagnostics
            if stat:
                stats.append(stat)
                anonymised += 1
            statuses[values["status"]] = statuses.get(values["status"], 0) + 1
            per_department[code] = per_department.get(code, 0) + 1
        with database.engine.begin() as conn:
            conn.execute(insert(handovers), batch)
            if children:
                conn.execute(insert(handover_diagnostics), children)
            if stats:
                conn.execute(insert(handover_stats), stats)
    busiest = max(per_department, key=per_department.get) if per_department else ""
    return Population(
        count=count,
        departements=list(departements_codes),
        territories=territory_ids,
        busiest=busiest,
        statuses=dict(sorted(statuses.items())),
        anonymised=anonymised,
    )
