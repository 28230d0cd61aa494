"""A large valid CSV of the Marne for console and process tests: ``valide.csv``'s first row
repeated with new ids."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"


def marne_file(rows: int, prefix: str, bad_email: bool = False) -> bytes:
    """``rows`` valid rows (ids ``<prefix><n>``), then, with ``bad_email``, one row whose
    e-mail is wrong (id ``<prefix>faux``); UTF-8, ``;``-separated."""
    lines = (FIXTURES / "valide.csv").read_text("utf-8-sig").splitlines()
    header, first = lines[0], lines[1].split(";")
    body = []
    for n in range(rows):
        first[0] = f"{prefix}{n}"
        body.append(";".join(first))
    if bad_email:
        bad = list(first)
        bad[0], bad[header.split(";").index("courriel")] = f"{prefix}faux", "pas-une-adresse"
        body.append(";".join(bad))
    return "\n".join([header, *body]).encode("utf-8")
