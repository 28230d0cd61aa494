"""Normalisations applied to accepted values, counted for the import summary (never silent)."""

from __future__ import annotations

from dataclasses import dataclass, field

from indexer import place_matching
from indexer.geocoding import PLAUSIBLE_KM

NOTICES = {
    "formule": "{n} valeur(s) commençant par =, +, - ou @ : ce caractère a été retiré "
    "(protection contre l'exécution de formules dans un tableur)",
    "inversees": "{n} ressource(s) aux latitude et longitude inversées : corrigées",
    "lointaines": "{n} ressource(s) dont les coordonnées sont à plus de "
    f"{PLAUSIBLE_KM:.0f} km de la commune : coordonnées ignorées, ressource géocodée",
    "par_coordonnees": "{n} ressource(s) rattachée(s) à la commune la plus proche de leurs "
    "coordonnées",
    "schema_web": "{n} adresse(s) web sans « https:// » : complétée(s)",
    "zero_initial": "{n} code(s) complété(s) du zéro initial perdu par le tableur",
    "hors_departement": "{n} ressource(s) situées hors du département qui les publie",
    "colonne_sans_nom": "{n} ligne(s) avec des valeurs dans une colonne sans en-tête "
    "(valeurs ignorées)",
    **place_matching.NOTICES,
}


@dataclass
class Notices:
    """Counts and up to five examples (``"fichier.csv:12"``) of each kind of ``NOTICES``."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, kind: str, where: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        sample = self.examples.setdefault(kind, [])
        if len(sample) < 5:
            sample.append(where)

    def merge(self, other: Notices) -> None:
        """Add the counts (and examples, up to five) of ``other``: a worker's chunk."""
        for kind, n in other.counts.items():
            self.counts[kind] = self.counts.get(kind, 0) + n
            sample = self.examples.setdefault(kind, [])
            sample.extend(other.examples.get(kind, [])[: 5 - len(sample)])

    def messages(self) -> list[str]:
        """One French sentence per kind, with its count and examples."""
        out = []
        for kind, n in self.counts.items():
            more = "…" if n > len(self.examples[kind]) else ""
            out.append(
                NOTICES[kind].format(n=n) + f" (ex. {', '.join(self.examples[kind])}{more})."
            )
        return out
