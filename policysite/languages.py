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


def hint(code: str, known) -> str:
    """Return a hint for a language code that is not one of known: the code it most likely means, else the codes there are.

    Codes are two letters, too short for a spelling distance, so the hint also reads a code in capitals or with a
    region ('DE', 'pt-BR', 'pt_BR') and a language's name in English or in its own words ('German', 'deutsch').
    """
    choices = list(known)
    word = code.strip().lower().replace("_", "-") if isinstance(code, str) else ""
    guess = word.split("-")[0] if word.split("-")[0] in choices else ENGLISH_NAMES.get(word) or OWN_NAMES.get(word)
    if guess in choices:
        return f"; did you mean '{guess}'?"
    return f"; expected one of {', '.join(repr(c) for c in choices)}"


ENGLISH_NAMES = {"english": "en", "german": "de", "french": "fr", "italian": "it", "dutch": "nl", "portuguese": "pt", "spanish": "es"}
OWN_NAMES = {name.lower(): code for code, name in NAMES.items()} | {"portugues": "pt", "espanol": "es", "francais": "fr"}


def not_found_page(url_path: str) -> list[str]:
    """Return the 404 pages that may answer a missing address, best first: <lang>/404.html for an address under a
    language's folder, then the site's own 404.html (a server takes the first that exists)."""
    first = url_path.lstrip("/").split("/", 1)[0]
    return ([f"{first}/404.html"] if first in SUPPORTED else []) + ["404.html"]
