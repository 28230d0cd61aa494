"""``GET /thematiques``: the national vocabulary with its French labels."""

from __future__ import annotations

import marshmallow as ma

from api.contract import OutputSchema, described

F = ma.fields


class TermSchema(OutputSchema):
    slug = F.String(metadata=described("Valeur à passer en paramètre."))
    label = F.String(metadata=described("Libellé en français."))


class CategorySchema(OutputSchema):
    slug = F.String(metadata=described("Catégorie de thématique (valeur à passer en paramètre)."))
    label = F.String(metadata=described("Libellé en français."))
    frein_peripherique = F.Boolean(
        metadata=described(
            "Catégorie qui correspond à l'un des freins périphériques à l'emploi du protocole "
            "national (financier, logement, santé, mobilité, famille…)."
        )
    )
    sous_themes = F.List(F.Nested(TermSchema), metadata=described("Sous-thématiques."))


class VocabularySchema(OutputSchema):
    thematiques = F.List(
        F.Nested(CategorySchema),
        metadata=described("Catégories de thématiques et leurs sous-thématiques (data·inclusion)."),
    )
    publics = F.List(F.Nested(TermSchema), metadata=described("Publics (paramètre publics)."))
    frais = F.List(F.Nested(TermSchema), metadata=described("Frais (paramètre frais)."))
    modes_accueil = F.List(
        F.Nested(TermSchema), metadata=described("Modes d'accueil (paramètre modes_accueil).")
    )
