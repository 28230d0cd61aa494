"""The search form: read the query string, find the person's commune, run the search service.

The form works without JavaScript: the commune is typed as a name or a postal code and the
server resolves it (``directory.resolve``: a postal code of several communes lists them for
the adviser to choose, a name picks the best match and proposes the others); the
autocomplete only fills the hidden ``code_commune`` to save that step.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from resource_base import needs_events, opening, vocabulary
from resource_base.audience import Audience
from resource_base.geo import Commune, name_key
from resource_base.search import SearchError, SearchQuery, SearchResult
from web.helpers import Runtime
from web.search.gaps import NeedGap, need_gaps

_POSTAL = re.compile(r"\b[0-9]{5}\b")
RADIUS_CHOICES = (10, 20, 30, 50, 100)
DEFAULT_RADIUS = 30
PAGE_SIZE = 10
MAX_CHOIX = 20  # as many as an orientation event records
# Which form field shows an error of the search contract.
FIELD_OF_ERROR = {
    "code_commune": "commune",
    "code_postal": "commune",
    "lat": "commune",
    "lon": "commune",
    "size": "page",
}
FORM_FIELDS = (
    "commune",
    "thematiques",
    "q",
    "rayon_km",
    "publics",
    "modes_accueil",
    "frais",
    "ouvert",
)


def commune_label(commune: Commune, code_postal: str | None = None) -> str:
    """What the commune field shows once a commune is chosen, department always named:
    ``Reims (51100, Marne)``; ``code_postal``: the one the adviser typed, if the commune has it."""
    if code_postal not in commune.codes_postaux:
        code_postal = commune.codes_postaux[0] if commune.codes_postaux else None
    place = commune.departement_nom or f"département {commune.departement}"
    return f"{commune.nom} ({code_postal}, {place})" if code_postal else f"{commune.nom} ({place})"


@dataclass
class SearchForm:
    commune: str = ""
    code_commune: str = ""
    # Department of the previous search: homonyms there come first.
    departement: str = ""
    thematiques: list[str] = field(default_factory=list)
    q: str = ""
    rayon_km: int = DEFAULT_RADIUS
    publics: list[str] = field(default_factory=list)
    modes_accueil: list[str] = field(default_factory=list)
    frais: list[str] = field(default_factory=list)
    ouvert: str = ""  # "", "maintenant" or "aujourdhui"
    # Resources ticked for the orientation sheet, on any result page (``ids`` in the URL).
    choix: list[str] = field(default_factory=list)
    page: int = 1
    submitted: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_args(cls, args: MultiDict) -> SearchForm:
        """Read the GET parameters; malformed numbers become field errors (never a 500)."""
        form = cls(submitted=any(args.get(name) for name in (*FORM_FIELDS, "code_commune")))
        form.commune = (args.get("commune") or "").strip()[:100]
        form.code_commune = (args.get("code_commune") or "").strip()[:10]
        form.departement = (args.get("departement") or "").strip().upper()[:3]
        form.thematiques = _unique(args.getlist("thematiques"))
        form.q = (args.get("q") or "").strip()
        form.publics = _unique(args.getlist("publics"))
        form.modes_accueil = _unique(args.getlist("modes_accueil"))
        form.frais = _unique(args.getlist("frais"))
        form.choix = _unique(args.getlist("ids"))[:MAX_CHOIX]
        form.ouvert = (args.get("ouvert") or "").strip()
        if form.ouvert and form.ouvert not in opening.OUVERT_VALUES:
            form.error("ouvert", f"« {form.ouvert[:30]} » n'est pas un choix d'ouverture.")
            form.ouvert = ""
        raw_radius = (args.get("rayon_km") or "").strip()
        if raw_radius:
            try:
                radius = float(raw_radius.replace(",", "."))
            except ValueError:
                radius = math.nan
            # "inf", "-inf", "1e400", "nan": a number, but not a radius (never a 500).
            if math.isfinite(radius):
                form.rayon_km = int(radius)
            else:
                form.error("rayon_km", f"« {raw_radius[:30]} » n'est pas un rayon en kilomètres.")
        raw_page = (args.get("page") or "").strip()
        if raw_page:
            try:
                form.page = int(raw_page)
            except ValueError:
                form.error("page", f"« {raw_page} » n'est pas un numéro de page.")
        return form

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    @property
    def radius_choices(self) -> list[int]:
        return sorted({*RADIUS_CHOICES, self.rayon_km}) if self.rayon_km > 0 else RADIUS_CHOICES

    @property
    def has_filters(self) -> bool:
        return bool(self.publics or self.modes_accueil or self.frais or self.ouvert)

    def params(self, **changes) -> list[tuple[str, str]]:
        """The query string of this search (for links: pages, facets, wider radius)."""
        form = replace(self, **changes)
        pairs: list[tuple[str, str]] = [("commune", form.commune)]
        if form.code_commune:
            pairs.append(("code_commune", form.code_commune))
        if form.departement:
            pairs.append(("departement", form.departement))
        pairs += [("thematiques", t) for t in form.thematiques]
        if form.q:
            pairs.append(("q", form.q))
        pairs.append(("rayon_km", str(form.rayon_km)))
        pairs += [("publics", p) for p in form.publics]
        pairs += [("modes_accueil", m) for m in form.modes_accueil]
        pairs += [("frais", f) for f in form.frais]
        if form.ouvert:
            pairs.append(("ouvert", form.ouvert))
        if form.page > 1:
            pairs.append(("page", str(form.page)))
        pairs += [("ids", rid) for rid in form.choix]
        return pairs

    def url(self, path: str = "/", **changes) -> str:
        changes.setdefault("page", 1)
        return f"{path}?{urlencode(self.params(**changes))}"


@dataclass
class SearchOutcome:
    form: SearchForm
    commune: Commune | None = None
    # Other communes the typed text could mean (the server picked the first).
    alternatives: list[Commune] = field(default_factory=list)
    # A postal code of several communes: the adviser chooses, no search is run.
    choices: list[tuple[Commune, str]] = field(default_factory=list)
    result: SearchResult | None = None
    gaps: list[NeedGap] = field(default_factory=list)


def resolve_commune(
    form: SearchForm, runtime: Runtime
) -> tuple[Commune | None, list[Commune], list[Commune]]:
    """The commune of the form, other possible communes, and communes to choose from.

    The autocomplete's (or a choice link's) code wins if it still matches the text; else the
    typed text is resolved: a postal code of several communes returns them as choices (no
    guess), a name returns the best match and the homonyms worth proposing.
    """
    directory = runtime.directory
    if form.code_commune:
        chosen = directory.get(form.code_commune)
        if chosen and (not form.commune or _same_commune(form.commune, chosen)):
            return chosen, [], []
    if not form.commune:
        return None, [], []
    # Up to 100: every commune of a postal code is listed (51300 has 46).
    match = directory.resolve(form.commune, 100, form.departement or None)
    if match.choose:
        return None, [], list(match.communes)
    found = list(match.communes[:6])
    if not found:
        return None, [], []
    best, key = found[0], name_key(form.commune)
    if len(found) == 1 or key == name_key(commune_label(best)):
        return best, [], []
    if key == name_key(best.nom):
        # The exact name: only homonyms in other departments are worth proposing.
        return best, [c for c in found[1:] if name_key(c.nom) == key], []
    return best, found[1:], []


def _same_commune(text: str, commune: Commune) -> bool:
    key = name_key(text)
    labels = {name_key(commune_label(commune, cp)) for cp in commune.codes_postaux}
    return key in {name_key(commune.nom), commune.code_insee, *labels} or (
        text in commune.codes_postaux
    )


def run_search(
    runtime: Runtime,
    form: SearchForm,
    *,
    audience: Audience,
    path: str = "/",
    size: int = PAGE_SIZE,
    organisation: str | None = None,
) -> SearchOutcome:
    """Resolve the commune and search ``size`` results a page; errors land in ``form.errors``
    by form field. A need without answer gets checked suggestions (``web.search.gaps``),
    whose links go to ``path``. With an ``organisation`` type (``resource_base.needs_events``),
    the first page of a search records its anonymous event (a failed write is logged, the page
    answers)."""
    outcome = SearchOutcome(form)
    if not form.submitted:
        return outcome
    commune, alternatives, choices = resolve_commune(form, runtime)
    if choices:
        outcome.choices = [(c, commune_label(c, form.commune)) for c in choices]
        return outcome
    if commune is None:
        if form.commune:
            form.error(
                "commune",
                f"Aucune commune ne correspond à « {form.commune} ». "
                "Vérifiez l'orthographe ou saisissez le code postal.",
            )
        else:
            form.error("commune", "Indiquez la commune de la personne (nom ou code postal).")
    else:
        outcome.commune, outcome.alternatives = commune, alternatives
        typed = _POSTAL.search(form.commune)
        typed_postal = typed.group() if typed else None
        form.code_commune = commune.code_insee
        form.commune = commune_label(commune, typed_postal)
        form.departement = commune.departement
    if form.errors:
        return outcome
    query = SearchQuery(
        code_commune=commune.code_insee,
        thematiques=tuple(form.thematiques),
        q=form.q or None,
        publics=tuple(form.publics),
        modes_accueil=tuple(form.modes_accueil),
        frais=tuple(form.frais),
        ouvert=form.ouvert or None,
        rayon_km=float(form.rayon_km),
        page=form.page,
        size=size,
        audience=audience,
    )
    try:
        outcome.result = runtime.search_service.search(query)
        counts = needs_events.per_need_counts(
            query.thematiques,
            outcome.result.total,
            needs_events.search_counts(runtime.search_service, query),
        )
        outcome.gaps = need_gaps(
            runtime,
            form,
            query,
            outcome.result,
            adviser=audience is Audience.PROFESSIONAL,
            path=path,
            counts=counts,
        )
        if organisation is not None and form.page == 1:
            runtime.needs_recorder.record_search(
                runtime.search_service, query, outcome.result, commune, organisation, counts
            )
    except SearchError as exc:
        for name, messages in exc.errors.items():
            for message in messages:
                form.error(FIELD_OF_ERROR.get(name, name), message)
    return outcome


def category_groups() -> list[tuple[str, list[dict]]]:
    """The needs tree, the seeds' *freins périphériques* first."""
    tree = vocabulary.tree()
    freins = {slug: i for i, slug in enumerate(vocabulary.FREINS_PERIPHERIQUES)}
    first = sorted((c for c in tree if c["frein_peripherique"]), key=lambda c: freins[c["slug"]])
    others = [c for c in tree if not c["frein_peripherique"]]
    return [
        ("Freins périphériques à l'emploi", first),
        ("Emploi, formation et autres besoins", others),
    ]


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v.strip() for v in values if v and v.strip()))
