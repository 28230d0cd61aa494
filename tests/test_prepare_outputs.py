"""What an import worker prepares for each row is unchanged by its fast paths: the tokens of
``resource_base.text`` (cached chunk by chunk) and the search texts of ``Resource`` are those of
the plain pipeline kept here, token for token and in order, on varied texts, on every text cell
of ``fixtures/`` and on synthetic resources; the stored JSON (orjson) reads back as the
resource's fields."""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
import unicodedata
from pathlib import Path

import pytest

from bench import synthetic
from resource_base import text, vocabulary
from resource_base.models import Resource
from resource_base.store import keep_serialised, serialise

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# --- the plain pipeline (as resource_base.text was before its chunk cache) ---

_REF_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu)'")
_REF_NON_WORD = re.compile(r"[^a-z0-9]+")
_REF_LIGATURES = {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "’": "'", "ʼ": "'", "`": "'"}


def reference_tokens(value: str | None) -> list[str]:
    if not value:
        return []
    for ligature, plain in _REF_LIGATURES.items():
        value = value.replace(ligature, plain)
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    folded = _REF_ELISION.sub(" ", folded)
    words = _REF_NON_WORD.sub(" ", folded).split()
    return [text.stem(w) for w in words if w not in text.STOP_WORDS]


def reference_search_text(resource: Resource) -> tuple[str, str, str]:
    def labels_tokens(labels: list[str]) -> set[str]:
        return set(reference_tokens(" \n ".join(labels)))

    categories = sorted({vocabulary.category_of(t) for t in resource.thematiques})
    theme_labels = [vocabulary.label(t) for t in (*resource.thematiques, *categories)]
    reseau_labels = [vocabulary.RESEAUX_PORTEURS.get(r, r) for r in resource.reseaux_porteurs]
    nom = set(reference_tokens(resource.nom))
    forts = nom | labels_tokens(theme_labels)
    words = set(forts) | labels_tokens(reseau_labels)
    for part in (
        resource.description,
        resource.nom_structure,
        resource.conditions_acces,
        resource.frais_precisions,
        resource.commune,
    ):
        words |= set(reference_tokens(part))
    return " ".join(sorted(nom)), " ".join(sorted(forts)), " ".join(sorted(words))


# --- varied texts ---

TEXTS = [
    None,
    "",
    " ",
    "   \t\n ",
    "L'aide aux dettes d'un foyer",
    "L’Épicerie sociale d’Œuvre : jusqu’à l’accès aux droits",
    "qu'il s'inscrit lorsqu'on puisqu'elle jusqu'au",
    "QU’IL S’INSCRIT, L’HÔTEL-DIEU D'ÉPERNAY",
    "l' l’ d'' ''l'eau 'l'eau' aujourd'hui presqu'île",
    "Cœur, cafés, Œdipe, æquo, Ærø, ÆSOP",
    "SANTÉ MENTALE ; logements sociaux ; enfants, dettes",
    "n° 12, 3e étage, 75011 Paris — 01 23 45 67 89 (poste 12)",
    "https://exemple.fr/aide?x=1&y=2 contact@mairie-reims.fr",
    "ﬁnancement ﬂexible ½ journée ² ³ ™ Ⅻ ① ｆｕｌｌ",
    "a\u00a0b\u2003c\u2028d\u2029e\u0085f\u1680g\u3000h\u200bi",
    "e\u0301te\u0301 cafe\u0301 \u0301a a \u0301 \u0327c",
    "x" * 60 + " " + "é" * 45 + " " + "l'" + "a" * 50,
    "Accueil de jour  (double  espace)   et\ttabulation\npuis retour",
    "émoji 🙂 et 中文 et кириллица et ελληνικά",
    "a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3",
    "`backtick`l`eau ʼmodifierʼ l`aide",
    "l’ ’ ’’ '' '",
]


@pytest.mark.parametrize("value", TEXTS)
def test_tokens_are_those_of_the_plain_pipeline(value):
    assert text.tokens(value) == reference_tokens(value)
    assert text.token_set(value) == set(reference_tokens(value))
    # A second time: now from the chunk cache.
    assert text.tokens(value) == reference_tokens(value)


def test_tokens_of_random_texts_are_those_of_the_plain_pipeline():
    pieces = [
        "l'", "d’", "qu'", "jusqu’", "L'", "D’", "QU'", " ", "  ", "\t", "\n", "\u00a0",
        "\u2028", "\u2003", "é", "È", "œ", "Æ", "\u0301", "ﬁ", "’", "'", "`", "ʼ", "-", ",",
        ".", ";", "(", ")", "/", "n°", "12", "3e", "aux", "les", "sociaux", "dettes", "santé",
        "Mentale", "ENFANTS", "hôtel", "est", "a", "x", "🙂",
    ]  # fmt: skip
    rng = random.Random(12)
    for _ in range(3000):
        value = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        assert text.tokens(value) == reference_tokens(value), repr(value)


def fixture_cells() -> list[str]:
    """Every text cell of every CSV, JSON and JSON Lines file of fixtures/."""
    cells: list[str] = []

    def walk(value):
        if isinstance(value, str):
            cells.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix == ".csv":
            raw = path.read_bytes()
            try:
                content = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                content = raw.decode("cp1252")
            for row in csv.reader(content.splitlines(), delimiter=";"):
                cells.extend(row)
        elif path.suffix in (".json", ".jsonl"):
            content = path.read_text(encoding="utf-8")
            for document in [content] if path.suffix == ".json" else content.splitlines():
                try:
                    walk(json.loads(document))
                except ValueError:  # the malformed fixtures: their text as it is
                    cells.append(document)
    return cells


def test_tokens_of_every_fixture_cell_are_those_of_the_plain_pipeline():
    cells = fixture_cells()
    assert len(cells) > 1000
    for cell in cells:
        assert text.tokens(cell) == reference_tokens(cell), repr(cell)


def varied_resources() -> list[Resource]:
    resources = []
    for i, value in enumerate(TEXTS):
        other = TEXTS[(i + 5) % len(TEXTS)]
        resources.append(
            Resource(
                f"x{i}",
                "cd51",
                f"x{i}",
                "51",
                nom=value or "",
                nom_structure=other or "",
                description=TEXTS[(i + 9) % len(TEXTS)] or "",
                conditions_acces=TEXTS[(i + 3) % len(TEXTS)],
                frais_precisions=TEXTS[(i + 7) % len(TEXTS)],
                commune=["Châlons-en-Champagne", None, "L'Épine", "Saint-Dizier"][i % 4],
                thematiques=[
                    ["sante"],
                    ["famille--garde-denfants", "logement-hebergement"],
                    [],
                    ["mobilite--etre-accompagne-dans-son-parcours-mobilite", "sante", "numerique"],
                ][i % 4],
                reseaux_porteurs=[["mission-locale"], [], ["reseau-inconnu-l'essai"], ["caf"]][
                    i % 4
                ],
            )
        )
    return resources


def test_search_text_of_varied_resources_is_that_of_the_plain_pipeline():
    for resource in varied_resources():
        expected = reference_search_text(resource)
        assert resource.search_text() == expected
        assert (resource.mots_nom(), resource.mots_forts(), resource.mots()) == tuple(
            part.split() for part in expected
        )
        resource.keep_search_text()
        assert resource.search_text() == expected


def test_search_text_of_synthetic_resources_is_that_of_the_plain_pipeline(directory):
    resources = list(synthetic.generate(3000, directory, seed=7))
    assert len(resources) == 3000
    for resource in resources:
        assert resource.search_text() == reference_search_text(resource), resource.id


def test_chunk_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(text._CHUNKS, "limit", 50)
    text._CHUNKS.clear()
    words = [f"mot{i}" for i in range(400)]
    assert text.tokens(" ".join(words)) == reference_tokens(" ".join(words))
    assert 0 < len(text._CHUNKS) <= 50
    long_chunk = "é" * (text._CHUNK_MAX_LENGTH + 1)
    assert text.tokens(long_chunk) == reference_tokens(long_chunk)
    assert long_chunk not in text._CHUNKS
    text._CHUNKS.clear()


def test_stored_json_reads_back_as_the_resource():
    for resource in varied_resources():
        resource.latitude, resource.longitude = 48.956512345678, -4.1e-7
        resource.site_web = 'https://exemple.fr/"guillemets"\\antislash\u0007'
        fingerprint, payload = serialise(resource)
        assert json.loads(payload) == resource.to_dict()
        assert Resource.from_dict(json.loads(payload)) == resource
        assert fingerprint == hashlib.sha256(payload.encode()).hexdigest()[:32]
        assert list(json.loads(payload)) == list(resource.to_dict())  # field order
        keep_serialised(resource)
        assert serialise(resource) == (fingerprint, payload)
        changed = Resource.from_dict(resource.to_dict())
        changed.description += "!"
        assert serialise(changed)[0] != fingerprint
