"""The languages the site can be published in: English, the default and the language of the data, and the six that
ClearOS Webconfig shipped its support legend in. Each has a catalog in locale/ and may be named in content/site.yaml."""

from __future__ import annotations

DEFAULT = "en"
# Each language's own name for itself, as a language switcher shows it to the people who read it.
NAMES = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "it": "Italiano",
    "nl": "Nederlands",
    "pt": "Português",
    "es": "Español",
}
SUPPORTED = tuple(NAMES)


def not_found_page(url_path: str) -> list[str]:
    """Return the 404 pages that may answer a missing address, best first: <lang>/404.html for an address under a
    language's folder, then the site's own 404.html (a server takes the first that exists)."""
    first = url_path.lstrip("/").split("/", 1)[0]
    return ([f"{first}/404.html"] if first in SUPPORTED else []) + ["404.html"]
