"""Who is looking: the public, or professionals (advisers, CD staff, partner servers).

A resource carries ``visibilite`` (``public`` or ``professionnels``, data·inclusion's
``structure`` visibility, see the README's import columns). ``may_show`` is the one place that
decides whether a record may be shown to an audience; the engines' search filters read the same
``Audience.visibilites``, so search results and the reading of one resource always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

PUBLIC_VISIBILITY = "public"
PROFESSIONAL_VISIBILITY = "professionnels"


class Audience(Enum):
    """``PUBLIC``: the widget, the API without the ``professionnels`` scope, and the default.
    ``PROFESSIONAL``: the adviser's web pages, API keys with the ``professionnels`` scope."""

    PUBLIC = "public"
    PROFESSIONAL = "professionnel"

    @property
    def visibilites(self) -> tuple[str, ...]:
        """The ``visibilite`` values this audience may see, sorted (engines filter on them)."""
        if self is Audience.PROFESSIONAL:
            return (PROFESSIONAL_VISIBILITY, PUBLIC_VISIBILITY)
        return (PUBLIC_VISIBILITY,)


def visibility_of(record: Mapping | object) -> str:
    """A record's ``visibilite``: a dict (engine record, search document) or an object with
    that attribute (``Resource``, ``Candidate``); missing or empty means ``public``."""
    if isinstance(record, Mapping):
        value = record.get("visibilite")
    else:
        value = getattr(record, "visibilite", None)
    return value or PUBLIC_VISIBILITY


def may_show(record: Mapping | object, audience: Audience) -> bool:
    """Whether ``record`` may be shown to ``audience``.

    >>> may_show({"visibilite": "professionnels"}, Audience.PUBLIC)
    False
    >>> may_show({"visibilite": "professionnels"}, Audience.PROFESSIONAL)
    True
    """
    return visibility_of(record) in audience.visibilites
