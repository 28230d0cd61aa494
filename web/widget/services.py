"""What the widget pages need: the token's configuration, its presets applied to the search
form, the console's form read into a configuration, and the snippets to paste.

The snippets are the contract with an intranet's webmaster (README, « Widget pour les
intranets »): an iframe, and five lines of script that grow it when the widget posts
``{type: "relais:hauteur", hauteur: N}`` (pixels).
"""

from __future__ import annotations

from markupsafe import escape
from werkzeug.datastructures import MultiDict

from accounts.widgets import DEFAULT_SIZE, DEFAULT_TITLE, WidgetConfig
from resource_base.audience import Audience
from web.helpers import Runtime
from web.search.services import SearchForm, commune_label

IFRAME_HEIGHT = 560  # pixels, before the widget posts its own height
MESSAGE_TYPE = "relais:hauteur"


def audience_of(config: WidgetConfig) -> Audience:
    """Professionals-only resources appear only in a France Travail intranet's widget that
    allows them (``accounts.widgets.check_config``); every other widget is public."""
    if config.professionnels and config.intranet_france_travail:
        return Audience.PROFESSIONAL
    return Audience.PUBLIC


def preset_form(config: WidgetConfig, args: MultiDict, runtime: Runtime) -> SearchForm:
    """The search form of the request; before any search, the configuration's presets
    (commune, needs) fill it. The department ranks homonyms in the commune field."""
    form = SearchForm.from_args(args)
    if not form.departement:
        form.departement = config.departement
    if form.submitted:
        return form
    form.thematiques = list(config.thematiques)
    commune = runtime.directory.get(config.code_commune) if config.code_commune else None
    if commune is not None:
        form.commune = commune_label(commune)
        form.code_commune = commune.code_insee
    return form


def config_from_form(form: MultiDict, departement: str) -> WidgetConfig:
    """The console's creation form as an unchecked configuration (``check_config`` checks)."""
    raw_size = (form.get("taille") or "").strip()
    intranet = form.get("intranet_france_travail") == "oui"
    return WidgetConfig(
        id=None,
        departement=departement,
        name=form.get("nom", ""),
        origins=tuple(
            line for value in form.getlist("origines") for line in value.replace(",", "\n").split()
        ),
        code_commune=(form.get("code_commune") or "").strip() or None,
        thematiques=tuple(form.getlist("thematiques")),
        intranet_france_travail=intranet,
        professionnels=form.get("professionnels") == "oui",
        titre=form.get("titre", "") or DEFAULT_TITLE,
        taille=int(raw_size) if raw_size.isdigit() else DEFAULT_SIZE,
    )


def iframe_snippet(widget_url: str, config: WidgetConfig) -> str:
    """The iframe to paste in the intranet page (``id`` for the resize script)."""
    title = escape(f"{config.titre} (Relais)")
    return (
        f'<iframe id="relais-widget" src="{escape(widget_url)}" title="{title}"\n'
        f'        style="width:100%;height:{IFRAME_HEIGHT}px;border:0" loading="lazy"></iframe>'
    )


def resize_snippet(relais_origin: str) -> str:
    """Five lines: the host page grows the iframe to the height the widget posts."""
    return (
        "<script>\n"
        'window.addEventListener("message", function (e) {\n'
        '  var f = document.getElementById("relais-widget");\n'
        f'  if (e.origin !== "{relais_origin}" || !f || e.source !== f.contentWindow) return;\n'
        f'  if (e.data && e.data.type === "{MESSAGE_TYPE}") f.style.height = e.data.hauteur + "px";\n'
        "});\n"
        "</script>"
    )
