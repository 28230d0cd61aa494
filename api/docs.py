"""The OpenAPI document: served as JSON, rendered as a browsable HTML page (no script, no CDN),
and written to ``api/openapi.json`` for review (``relais openapi --output api/openapi.json``).
"""

from __future__ import annotations

import json
from http import HTTPStatus
from pathlib import Path

from flask import current_app, render_template_string
from flask_smorest import Api

from api.errors import DESCRIPTIONS

COMMITTED = Path(__file__).with_name("openapi.json")
DEFAULT_ERROR_RESPONSE = Api.DEFAULT_ERROR_RESPONSE_NAME
DEFAULT_ERROR_DESCRIPTION = "Erreur, dans la forme commune à toute l'API."


def spec_dict(app=None) -> dict:
    """The OpenAPI document as served: flask-smorest's, with French response descriptions."""
    app = app or current_app
    return without_unused_schemas(french_responses(app.extensions["relais_api"].api.spec.to_dict()))


def without_unused_schemas(spec: dict) -> dict:
    """Drop the component schemas nothing refers to: flask-smorest registers its pagination
    header's ``PaginationMetadata`` with every Api, and search pages are in the body here
    (data·inclusion's style). Returns ``spec``, changed in place."""
    schemas = spec.get("components", {}).get("schemas", {})
    while True:
        text = json.dumps(spec)
        unused = [n for n in schemas if f'"#/components/schemas/{n}"' not in text]
        if not unused:
            return spec
        for name in unused:
            del schemas[name]


def french_responses(spec: dict) -> dict:
    """Rewrite the shared responses flask-smorest registers (``components.responses``, named
    after ``http.HTTPStatus``) with the French descriptions of ``api.errors.DESCRIPTIONS``;
    only error statuses (≥ 400) keep a body (flask-smorest gives one to 2xx too). Returns
    ``spec``, changed in place."""
    responses = spec.get("components", {}).get("responses", {})
    for name, response in responses.items():
        if name == DEFAULT_ERROR_RESPONSE:
            response["description"] = DEFAULT_ERROR_DESCRIPTION
            continue
        status = HTTPStatus[name] if name in HTTPStatus.__members__ else None
        if status is None:
            continue
        response["description"] = DESCRIPTIONS.get(status.value, status.phrase)
        if status < 400:
            response.pop("content", None)
    return spec


def spec_text(app=None) -> str:
    """The document as committed: stable key order, French text unescaped, final newline."""
    return json.dumps(spec_dict(app), indent=2, ensure_ascii=False) + "\n"


def openapi_json():
    return current_app.response_class(spec_text(), mimetype="application/json")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


TYPES = {
    "string": "texte",
    "number": "nombre",
    "integer": "entier",
    "boolean": "booléen",
    "object": "objet",
    "array": "liste",
}


def _type_of(schema: dict) -> str:
    if not schema:
        return ""
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _type_of(schema["allOf"][0])
    kind = schema.get("type", "object")
    if kind == "array":
        kind = f"liste de {_type_of(schema.get('items', {}))}"
    elif kind == "object" and "additionalProperties" in schema:
        kind = f"dictionnaire de {_type_of(schema['additionalProperties'])}"
    else:
        kind = TYPES.get(kind, kind)
    if schema.get("format"):
        kind += f" ({schema['format']})"
    if schema.get("enum"):
        kind += " (" + ", ".join(map(str, schema["enum"])) + ")"
    if schema.get("nullable"):
        kind += ", ou null"
    return kind


def _operations(spec: dict) -> list[dict]:
    responses = spec.get("components", {}).get("responses", {})
    operations = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            rows = []
            for status, response in op.get("responses", {}).items():
                if "$ref" in response:
                    response = responses.get(_ref_name(response["$ref"]), {})
                content = response.get("content", {}).get("application/json", {})
                rows.append(
                    {
                        "status": status,
                        "description": response.get("description", ""),
                        "schema": _type_of(content.get("schema", {})),
                    }
                )
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tags": op.get("tags", []),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": _type_of(p.get("schema", {})),
                            "default": p.get("schema", {}).get("default"),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "responses": rows,
                }
            )
    return operations


def _schemas(spec: dict) -> list[dict]:
    return [
        {
            "name": name,
            "properties": [
                {"name": prop, "type": _type_of(value), "description": value.get("description", "")}
                for prop, value in schema.get("properties", {}).items()
            ],
        }
        for name, schema in spec.get("components", {}).get("schemas", {}).items()
    ]


PAGE = """<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ spec.info.title }} — documentation</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 70rem; padding: 1rem 2rem;
       color: #161616; line-height: 1.5; }
h1 { color: #000091; } h2 { border-bottom: 2px solid #000091; padding-bottom: .2rem; }
code, .path { font-family: ui-monospace, monospace; }
.op { border: 1px solid #ddd; border-radius: 4px; margin: 1.5rem 0; padding: 0 1rem 1rem; }
.method { background: #000091; color: #fff; padding: .1rem .5rem; border-radius: 3px;
          font-weight: bold; margin-right: .5rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-size: .95rem; }
th, td { border: 1px solid #ddd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f6f6; }
.desc { white-space: pre-line; }
</style>
</head>
<body>
<h1>{{ spec.info.title }} <small>{{ spec.info.version }}</small></h1>
<p class="desc">{{ spec.info.description }}</p>
<p>Document OpenAPI 3 : <a href="{{ url_for('api-docs.openapi_json') }}">openapi.json</a>.</p>
<nav><ul>
{% for op in operations %}<li><a href="#{{ op.method }}{{ op.path }}"><code>{{ op.method }} {{ op.path }}</code></a> — {{ op.summary }}</li>
{% endfor %}<li><a href="#schemas">Schémas</a></li>
</ul></nav>
{% for op in operations %}
<section class="op" id="{{ op.method }}{{ op.path }}">
<h2><span class="method">{{ op.method }}</span><span class="path">{{ op.path }}</span></h2>
<p><strong>{{ op.summary }}</strong></p>
<p class="desc">{{ op.description }}</p>
{% if op.parameters %}
<h3>Paramètres</h3>
<table><tr><th>Nom</th><th>Où</th><th>Type</th><th>Obligatoire</th><th>Défaut</th><th>Description</th></tr>
{% for p in op.parameters %}<tr><td><code>{{ p.name }}</code></td><td>{{ p.in }}</td><td>{{ p.type }}</td>
<td>{{ "oui" if p.required else "non" }}</td><td>{{ p.default if p.default is not none else "" }}</td><td>{{ p.description }}</td></tr>
{% endfor %}</table>
{% endif %}
<h3>Réponses</h3>
<table><tr><th>Code</th><th>Description</th><th>Contenu</th></tr>
{% for r in op.responses %}<tr><td>{{ r.status }}</td><td>{{ r.description }}</td>
<td>{% if r.schema %}<a href="#schema-{{ r.schema }}">{{ r.schema }}</a>{% endif %}</td></tr>
{% endfor %}</table>
</section>
{% endfor %}
<h2 id="schemas">Schémas</h2>
{% for schema in schemas %}
<h3 id="schema-{{ schema.name }}">{{ schema.name }}</h3>
<table><tr><th>Champ</th><th>Type</th><th>Description</th></tr>
{% for prop in schema.properties %}<tr><td><code>{{ prop.name }}</code></td><td>{{ prop.type }}</td><td>{{ prop.description }}</td></tr>
{% endfor %}</table>
{% endfor %}
</body>
</html>
"""


def documentation():
    """The browsable documentation page, rendered on the server from the OpenAPI document."""
    spec = spec_dict()
    return render_template_string(
        PAGE, spec=spec, operations=_operations(spec), schemas=_schemas(spec)
    )
