"""The unit of search: a service offered by a structure at a place (a *resource*)."""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from dataclasses import dataclass, field

from resource_base import text, vocabulary

STATUTS = {
    "actif": "Actif",
    "fermeture-temporaire": "Fermé temporairement",
    "ferme": "Fermé",
}
VISIBILITES = {
    "public": "Public",
    "professionnels": "Réservé aux professionnels",
}
# How precise the coordinates are, best first.
PRECISIONS_GEO = {
    "fichier": "Coordonnées fournies par la source",
    "adresse": "Géocodée à l'adresse",
    "commune": "Centre de la commune (approximation)",
}


@dataclass
class Resource:
    """A service at a place, with its structure, contacts and eligibility zone."""

    id: str
    source: str
    source_id: str
    departement: str
    nom: str
    nom_structure: str
    description: str = ""
    siret: str | None = None
    reseaux_porteurs: list[str] = field(default_factory=list)
    thematiques: list[str] = field(default_factory=list)
    publics: list[str] = field(default_factory=list)
    frais: str | None = None
    frais_precisions: str | None = None
    modes_accueil: list[str] = field(default_factory=list)
    modes_mobilisation: list[str] = field(default_factory=list)
    mobilisable_par: list[str] = field(default_factory=list)
    conditions_acces: str | None = None
    horaires_accueil: str | None = None
    adresse: str | None = None
    complement_adresse: str | None = None
    code_postal: str | None = None
    commune: str | None = None
    code_insee: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    precision_geo: str | None = None
    telephone: str | None = None
    courriel: str | None = None
    site_web: str | None = None
    lien_mobilisation: str | None = None
    zone_eligibilite: list[str] = field(default_factory=list)
    date_maj: str | None = None  # ISO date
    visibilite: str = "public"
    statut: str = "actif"

    @classmethod
    def from_dict(cls, data: dict) -> Resource:
        return cls(**{k: v for k, v in data.items() if k in _FIELD_NAMES})

    def values(self) -> tuple:
        """Every field's value, in the dataclass's order (lists not copied)."""
        return _FIELDS_GETTER(self)

    def to_dict(self) -> dict:
        # A shallow copy (lists copied): dataclasses.asdict deep-copies and is 20× slower;
        # attrgetter reads every field in one C call.
        data = dict(zip(_FIELD_NAMES, _FIELDS_GETTER(self), strict=True))
        for name in _LIST_FIELDS:
            data[name] = list(data[name])
        return data

    @property
    def categories(self) -> list[str]:
        return sorted({vocabulary.category_of(t) for t in self.thematiques})

    @property
    def a_distance(self) -> bool:
        return vocabulary.A_DISTANCE in self.modes_accueil

    @property
    def sur_place(self) -> bool:
        # A record with no mode d'accueil is taken as on site: it has an address.
        return vocabulary.EN_PRESENTIEL in self.modes_accueil or not self.modes_accueil

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def mots_nom(self) -> list[str]:
        """Normalised tokens of the service's name (weighted higher in text relevance)."""
        return sorted(text.token_set(self.nom))

    def mots_forts(self) -> list[str]:
        """Tokens of the name and of the thématique labels (the second field of relevance)."""
        return sorted(
            text.token_set(self.nom).union(*map(_THEME_TOKENS.__getitem__, self.thematiques))
        )

    def mots(self) -> list[str]:
        """Normalised tokens of everything searchable about the resource."""
        return sorted(self._token_sets()[2])

    def _token_sets(self) -> tuple[set[str], set[str], set[str]]:
        """The sets of ``mots_nom()``, ``mots_forts()`` and ``mots()``, each text tokenised once."""
        nom = text.token_set(self.nom)
        forts = nom.union(*map(_THEME_TOKENS.__getitem__, self.thematiques))
        # No token crosses a space (resource_base.text): the tokens of the other fields joined
        # by spaces are the union of each field's.
        others = (
            self.description,
            self.nom_structure,
            self.conditions_acces,
            self.frais_precisions,
            self.commune,
        )
        words = text.token_set(" ".join(filter(None, others)))
        words.update(forts, *map(_RESEAU_TOKENS.__getitem__, self.reseaux_porteurs))
        return nom, forts, words

    def search_text(self) -> tuple[str, str, str]:
        """``mots_nom()``, ``mots_forts()`` and ``mots()`` joined by spaces, as the engines
        index them; kept by ``keep_search_text()`` when computed ahead (in an import worker
        process)."""
        kept = self.__dict__.get("_search_text")
        if kept is not None:
            return kept
        nom, forts, words = self._token_sets()
        return " ".join(sorted(nom)), " ".join(sorted(forts)), " ".join(sorted(words))

    def keep_search_text(self) -> None:
        """Compute ``search_text()`` once and keep it on the object (three strings: cheap to
        send between processes). The text fields must not change afterwards."""
        self.__dict__["_search_text"] = self.search_text()


_FIELD_NAMES = tuple(f.name for f in dataclasses.fields(Resource))
FIELD_NAMES = _FIELD_NAMES  # the order of ``Resource.values()`` and of the stored JSON
_FIELDS_GETTER = operator.attrgetter(*_FIELD_NAMES)
_LIST_FIELDS = tuple(
    f.name
    for f in dataclasses.fields(Resource)
    if f.default_factory is list  # type: ignore[comparison-overlap]
)


def _label_tokens(labels: Callable[[str], str]) -> text.OnDemand:
    """slug → the tokens of its label(s) (``labels(slug)``), filled on demand: one entry per
    slug, not per combination, since a record's labels are the union of its slugs'. Emptied
    past 1,024 slugs (the vocabulary has about 90 thématiques and 60 réseaux; an unknown
    réseau is its own label)."""
    return text.OnDemand(lambda slug: frozenset(text.tokens(labels(slug))), 1024)


# A thématique's label and its category's; a réseau porteur's label, else the slug itself.
_THEME_TOKENS = _label_tokens(
    lambda slug: vocabulary.label(slug) + " " + vocabulary.label(vocabulary.category_of(slug))
)
_RESEAU_TOKENS = _label_tokens(lambda slug: vocabulary.RESEAUX_PORTEURS.get(slug, slug))
