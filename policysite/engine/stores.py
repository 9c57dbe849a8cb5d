"""The build's cache stores, opened once per build (or kept open by the preview server) by name."""

from __future__ import annotations

from pathlib import Path

from policysite.cache import Store
from policysite.codec import named
from policysite.problems import Problem
from policysite.sources.loader import Node

TREE_CLASSES = named(Node, Problem)   # what the stores of parsed trees and verdicts may hold besides plain data


def opened(stores: dict, root: Path, name: str, classes: dict[str, type] = TREE_CLASSES) -> Store:
    """Return the store kept in stores under name, or read it from the cache folder (and keep it there if stores is kept)."""
    if name not in stores:
        stores[name] = Store(root, name, classes)
    return stores[name]
