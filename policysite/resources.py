"""Find the files the tool ships beside its code: the JSON Schemas, the default templates and static files, and the
feed's contract (docs/feed.md, which the "Embed and feed" page shows).

An installed policysite carries them inside the package (policysite/schema/, policysite/templates/,
policysite/static/, policysite/docs/, mapped there by pyproject.toml); a checkout keeps them at its top, beside the package.
Both places are the tool's own, found from this file and never from the project being built.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
SHIPPED = ("schema", "templates", "static", "docs", "locale")


def shipped_base(name: str) -> Path:
    """Return the folder that holds the tool's own schema/, templates/, static/ or docs/ folder (name)."""
    if name not in SHIPPED:
        raise ValueError(f"not a folder the tool ships: {name!r}")
    return PACKAGE if (PACKAGE / name).is_dir() else PACKAGE.parent


def shipped_folder(name: str) -> Path:
    """Return the tool's own schema/, templates/, static/ or docs/ folder."""
    return shipped_base(name) / name
