"""``GET /search``: the query parameters (named as in data·inclusion) and the result page.

The parameters' types are checked here; their meaning (one place, known thématiques, radius,
page window…) is checked by the search contract, ``SearchQuery.validate``, so that the API and
the CLI refuse the same queries with the same French messages.
"""

from __future__ import annotations

import marshmallow as ma

from api.contract import Float, Integer, MultiValue, OutputSchema, QuerySchema, String, described
from api.resources.schemas import resource_schema_fields
from resource_base import opening, search, vocabulary

F = ma.fields
ONE_PLACE = (
    "Un seul lieu par recherche : code_commune, ou lat et lon, ou code_postal ; en combiner "
    "plusieurs est refusé (400 requete_invalide)."
)


def _enum_list(description: str, values) -> MultiValue:
    return MultiValue(
        String(metadata={"enum": sorted(values)}),
        metadata=described(
            description + " Répétable (`?p=a&p=b`) ou séparé par des virgules (`?p=a,b`)."
        ),
    )


class SearchArgsSchema(QuerySchema):
    code_commune = String(
        metadata=described(
            "Code INSEE de la commune de la personne (ex. 51108 pour Châlons-en-Champagne, "
            "2A004 pour Ajaccio ; majuscules indifférentes ; le code d'une ancienne commune "
            "mène à sa commune d'aujourd'hui), tel que le donne /api/v1/communes. " + ONE_PLACE,
            example="51108",
        )
    )
    lat = Float(
        metadata=described(
            "Latitude du lieu de la personne (WGS84), avec lon. " + ONE_PLACE, example=48.9641
        )
    )
    lon = Float(
        metadata=described(
            "Longitude du lieu de la personne (WGS84), avec lat. " + ONE_PLACE, example=4.3788
        )
    )
    code_postal = String(
        metadata=described(
            "Code postal de la personne (tous les codes postaux d'une commune sont reconnus). "
            "S'il couvre plusieurs communes, une ressource n'est retenue que si elle est "
            "ouverte à chacune d'elles : mieux vaut faire choisir la commune "
            "(/api/v1/communes?q=<code postal>) et passer son code_commune. " + ONE_PLACE,
            example="51000",
        )
    )
    thematiques = MultiValue(
        String(),
        metadata=described(
            "Besoins : catégories (ex. logement-hebergement) ou sous-thématiques "
            "(ex. famille--garde-denfants) data·inclusion, listées par /api/v1/thematiques. "
            "Une ressource est retenue si elle répond à l'un des besoins ; elle est classée "
            "d'autant plus haut qu'elle répond à plus de besoins. Répétable (`?p=a&p=b`) ou "
            "séparé par des virgules (`?p=a,b`)."
        ),
    )
    q = String(
        metadata=described(
            f"Texte libre (nom, description, structure…), {search.MAX_Q_LENGTH} caractères au "
            "plus. Classement par le nombre de mots trouvés et leur poids (nom du service, "
            "puis libellés des thématiques, puis le reste ; les mots rares comptent plus) ; "
            "la moitié des mots au moins doit être trouvée. Accents, pluriels, sigles et mots "
            "courants (« SDF », « mutuelle », « frigo ») et fautes de frappe (« logemnt ») sont "
            "compris : voir texte_compris.",
            example="dettes",
        )
    )
    publics = _enum_list(
        "Publics : ne garde que les ressources ouvertes à l'un de ces publics (ou à tous).",
        vocabulary.PUBLICS,
    )
    modes_accueil = _enum_list(
        "Modes d'accueil : en-presentiel (sur place) ou a-distance.", vocabulary.MODES_ACCUEIL
    )
    frais = _enum_list("Frais : gratuit ou payant.", vocabulary.FRAIS)
    ouvert = String(
        validate=ma.validate.OneOf(
            list(opening.OUVERT_VALUES), error="Valeur attendue : maintenant ou aujourdhui."
        ),
        metadata=described(
            "Ne garder que les lieux ouverts : « maintenant » (à cette minute) ou « aujourdhui » "
            "(à un moment de la journée), à l'heure locale de chaque lieu (fuseau de son "
            "département : Guadeloupe, Martinique, Guyane, La Réunion, Mayotte, "
            "Saint-Pierre-et-Miquelon…), d'après ses horaires habituels (`horaires_accueil`, "
            "semaine type, hors jours fériés). Un lieu sans horaires lisibles ou fermé "
            "temporairement n'est jamais retenu.",
            enum=list(opening.OUVERT_VALUES),
        ),
    )
    rayon_km = Float(
        load_default=search.DEFAULT_RADIUS_KM,
        metadata=described(
            f"Rayon de recherche des services sur place, en km (plus de 0, au plus "
            f"{search.MAX_RADIUS_KM:g}). Les services à distance n'ont pas de limite.",
            minimum=0,
            exclusiveMinimum=True,
            maximum=search.MAX_RADIUS_KM,
        ),
    )
    page = Integer(
        load_default=1,
        metadata=described(
            f"Numéro de page, à partir de 1 (page × size au plus {search.MAX_WINDOW}).",
            minimum=1,
        ),
    )
    size = Integer(
        load_default=search.DEFAULT_SIZE,
        metadata=described(
            f"Nombre de résultats par page (au plus {search.MAX_SIZE}).",
            minimum=1,
            maximum=search.MAX_SIZE,
        ),
    )


class ThemeMatchSchema(OutputSchema):
    thematique = F.String(metadata=described("Besoin demandé qui a trouvé une correspondance."))
    correspondance = F.String(
        metadata=described(
            "« exacte » (la ressource porte ce besoin, ou une sous-thématique de la catégorie "
            "demandée) ou « categorie » (la ressource porte toute la catégorie du besoin)."
        )
    )
    via = F.List(F.String(), metadata=described("Thématiques de la ressource qui correspondent."))
    libelle = F.String(metadata=described("Libellé du besoin demandé."))


class PointsSchema(OutputSchema):
    thematiques = F.Integer(metadata=described("Points de pertinence dus aux besoins."))
    texte = F.Integer(metadata=described("Points de pertinence dus au texte libre."))
    urgence = F.Integer(
        metadata=described(
            "Points d'un service d'urgence (115, 3919…) pour un besoin urgent demandé "
            "(hébergement temporaire, violences) : 1000, pour qu'il vienne en tête."
        )
    )
    qualite = F.Integer(
        metadata=described("Qualité de la fiche, 0 à 100 (complétude et fraîcheur).")
    )


class ExplanationSchema(OutputSchema):
    thematiques = F.List(
        F.Nested(ThemeMatchSchema), metadata=described("Besoins auxquels la ressource répond.")
    )
    mots = F.List(
        F.String(),
        metadata=described("Mots du texte libre trouvés, tels que la ressource les écrit."),
    )
    synonymes = F.List(
        F.String(),
        metadata=described(
            "Équivalences du thésaurus utilisées (ex. « « mutuelle » → complémentaire santé »)."
        ),
    )
    eligibilite = F.String(
        metadata=described("Pourquoi la personne est éligible (zone d'éligibilité).")
    )
    portee = F.String(
        metadata=described("Où le service est rendu : sur place à telle distance, à distance.")
    )
    points = F.Nested(PointsSchema, metadata=described("Détail du classement."))
    avertissement = F.String(
        metadata=described("Avertissement éventuel (ex. « Fermé temporairement »).")
    )
    urgence = F.String(
        metadata=described("Présent pour un service d'urgence placé en tête (ex. 115).")
    )


class OpeningSchema(OutputSchema):
    etat = F.String(
        metadata=described(
            "ouvert, ferme, inconnu (horaires illisibles) ou non-renseigne.",
            enum=["ouvert", "ferme", "inconnu", "non-renseigne"],
        )
    )
    libelle = F.String(metadata=described("« Ouvert maintenant », « Fermé temporairement »…"))
    precision = F.String(metadata=described("Prochain changement : « ferme à 12 h »…"))
    fuseau = F.String(metadata=described("Fuseau horaire du lieu (ex. Indian/Reunion)."))


ResultItemSchema = type(
    "ResultItemSchema",
    (OutputSchema,),
    {
        **resource_schema_fields(search.SUMMARY_FIELDS),
        "distance_km": F.Float(
            allow_none=True,
            metadata=described(
                "Distance du lieu de la personne au lieu d'accueil, en km (null pour un "
                "service seulement à distance)."
            ),
        ),
        "a_distance": F.Boolean(metadata=described("Le service peut être rendu à distance.")),
        "sur_place": F.Boolean(metadata=described("Le service est rendu sur place.")),
        "ouverture": F.Nested(
            OpeningSchema,
            metadata=described(
                "Ouvert ou non au moment de la recherche, à l'heure locale du lieu, jours "
                "fériés compris ; jamais « ouvert » s'il est fermé temporairement."
            ),
        ),
        "explication": F.Nested(
            ExplanationSchema,
            metadata=described("Pourquoi la ressource est proposée, et à ce rang."),
        ),
    },
)


class FacetsSchema(OutputSchema):
    thematiques = F.Dict(
        keys=F.String(),
        values=F.Integer(),
        metadata=described(
            "Nombre de ressources trouvées par catégorie de thématique, sans tenir compte du "
            "filtre des besoins (toutes les catégories, zéros compris)."
        ),
    )


class PlaceSchema(OutputSchema):
    libelle = F.String(metadata=described("Le lieu compris, en clair."))
    latitude = F.Float(metadata=described("Latitude du point de départ des distances."))
    longitude = F.Float(metadata=described("Longitude du point de départ des distances."))
    communes = F.List(
        F.String(),
        metadata=described("Codes INSEE des communes retenues (plusieurs pour un code postal)."),
    )


class SearchResultSchema(OutputSchema):
    items = F.List(
        F.Nested(ResultItemSchema),
        metadata=described(
            "Ressources de la page, des plus pertinentes aux moins pertinentes : besoins, "
            "puis distance (les services seulement à distance en dernier), puis qualité."
        ),
    )
    total = F.Integer(metadata=described("Nombre total de ressources trouvées."))
    page = F.Integer(metadata=described("Numéro de la page."))
    size = F.Integer(metadata=described("Taille de page demandée."))
    pages = F.Integer(metadata=described("Nombre de pages."))
    facettes = F.Nested(FacetsSchema, metadata=described("Comptes par catégorie de besoin."))
    lieu = F.Nested(PlaceSchema, metadata=described("Le lieu de la personne, tel que compris."))
    moteur = F.String(
        metadata=described("Moteur de recherche qui a répondu (embedded ou elasticsearch).")
    )
    texte_compris = F.String(
        allow_none=True,
        metadata=described(
            "Le texte libre tel que compris quand un mot a été corrigé (« logemnt » → "
            "« logement ») : à afficher (« Résultats pour « logement » ») ; null sinon."
        ),
    )
