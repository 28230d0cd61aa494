"""Free-text relevance, shared by every engine: how many query words a record matches and
how well (a BM25-like score in integer points), the floor under which a record is left out,
and the words shown in the explanation.

Per query word (a term group): its rarity weight ``w`` (1–4, from the share of records that
hold it: BM25's inverse document frequency in integer steps, ``resource_base.lexicon``) times
the best field it is found in: the service's name (6), its name or thématique labels (4),
anywhere else — structure, description, conditions, commune, networks (2). Words found
nowhere score 0: several words no longer mean "every word or nothing".

Floor: a record must match at least half of the query words (rounded up) and, when some
words are uncommon (held by some records, but at most a third of them), at least one of
those, so that weak partial matches ("aide", "service") do not flood the list.

Engines index three token fields per record — ``mots_nom`` ⊂ ``mots_forts`` ⊂ ``mots`` — and
compute exactly these points (Elasticsearch with ``constant_score`` boosts summed,
``resource_base.search`` re-checks them).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from resource_base import text, vocabulary
from resource_base.thesaurus import TermGroup, group_matches, query_groups

# (field, points per unit of rarity weight), best field first.
TEXT_LEVELS = (("mots_nom", 6), ("mots_forts", 4), ("mots", 2))
COMMON_WEIGHT = 1


@dataclass(frozen=True)
class TextPlan:
    """The free text of a query, ready for engines: groups, their weights and the floor."""

    groups: tuple[TermGroup, ...] = ()
    weights: tuple[int, ...] = ()
    required: int = 0  # at least this many groups must match
    strong: tuple[int, ...] = ()  # indices of uncommon groups; one must match if any

    @property
    def corrections(self) -> list[tuple[str, str]]:
        """``(typed, understood)`` for each corrected word."""
        return [(g.corrige_de, g.word) for g in self.groups if g.corrige_de]

    def understood(self, q: str) -> str | None:
        """The query as understood when a word was corrected: ``logemnt`` → ``logement``."""
        if not self.corrections:
            return None
        for typed, understood in self.corrections:
            pattern = rf"(?<!\w){re.escape(typed)}(?!\w)"
            q = re.sub(pattern, lambda _match, word=understood: word, q, count=1)
        return " ".join(q.split())


def text_plan(q: str | None, lexicon=None) -> TextPlan:
    """Parse ``q`` (thesaurus, corrections) and weigh its words with ``lexicon``."""
    groups = query_groups(q, lexicon)
    if not groups:
        return TextPlan()
    weights, strong = [], []
    for i, group in enumerate(groups):
        if lexicon is None:
            weights.append(2)
            strong.append(i)
            continue
        df = max(min(lexicon.df(t) for t in alt) for alt in group.alternatives)
        weights.append(lexicon.weight(df))
        # A word no record holds cannot be the one that must match.
        if df and weights[-1] > COMMON_WEIGHT:
            strong.append(i)
    return TextPlan(groups, tuple(weights), math.ceil(len(groups) / 2), tuple(strong))


def group_points(group: TermGroup, weight: int, fields: Sequence[frozenset[str]]) -> int:
    """Points of one group for a record's token fields (``mots_nom``, ``mots_forts``,
    ``mots``), 0 when found nowhere."""
    for (_, points), words in zip(TEXT_LEVELS, fields, strict=True):
        if group_matches(group, words):
            return points * weight
    return 0


def text_points(
    plan: TextPlan, mots_nom: frozenset[str], mots_forts: frozenset[str], mots: frozenset[str]
) -> tuple[int, list[int]] | None:
    """Total points and the indices of the matched groups; None under the floor."""
    fields = (mots_nom, mots_forts, mots)
    total, matched = 0, []
    for i, (group, weight) in enumerate(zip(plan.groups, plan.weights, strict=True)):
        points = group_points(group, weight, fields)
        if points:
            total += points
            matched.append(i)
    if len(matched) < plan.required:
        return None
    if plan.strong and not set(matched) & set(plan.strong):
        return None
    return total, matched


def explain_words(
    plan: TextPlan, matched: list[int], mots: frozenset[str], texts: Sequence[str | None]
) -> dict:
    """The words of the explanation, as the record writes them, never tokens.

    ``mots``: the record's tokens; ``texts``: its texts (name, description…). Returns
    ``{"mots": [...], "synonymes": [...]}``: ``mots`` the record's own words that matched
    (« Épicerie »), ``synonymes`` the thesaurus equivalences used
    (« « mutuelle » → Complémentaire santé solidaire »).
    """
    needed = {t for i in matched for alt in plan.groups[i].alternatives for t in alt if t in mots}
    surfaces: dict[str, str] = {}
    for chunk in texts:  # name first: most words are found there, the rest is not read
        if needed <= surfaces.keys():
            break
        for word, token in text.surface_tokens(chunk):
            if token in needed:
                surfaces.setdefault(token, word)
    words: list[str] = []
    synonyms: list[str] = []
    for i in matched:
        group = plan.groups[i]
        for alternative, label in zip(group.alternatives, group.labels, strict=True):
            if not all(t in mots for t in alternative):
                continue
            if all(t in surfaces for t in alternative):
                found = " ".join(surfaces[t] for t in alternative)
            else:  # found in a field the summary does not carry (frais, networks)
                found = label or group.word
            if found not in words:
                words.append(found)
            if label is not None:
                synonyms.append(f"« {group.word} » → {label}")
            break
    return {"mots": words, "synonymes": synonyms}


def describe_text(item, plan_) -> None:
    """Fill the explanation's words as the record writes them (only for the page shown:
    reading the record's texts costs more than ranking)."""
    if not item.text_matched:
        return
    resume = item.candidate.resume
    texts = [resume.get(name) for name in ("nom", "nom_structure", "description")]
    texts += [resume.get("conditions_acces"), resume.get("commune")]
    themes = resume.get("thematiques") or ()
    categories = {vocabulary.category_of(t) for t in themes}
    texts += [vocabulary.label(t) for t in (*themes, *sorted(categories))]
    item.explication.update(
        explain_words(plan_.text, item.text_matched, item.candidate.mots, texts)
    )
