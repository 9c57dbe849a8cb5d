#!/usr/bin/env python3
"""Write policysite/confusables.txt, the look-alike table behind name skeletons, from Unicode's confusables.txt.

Usage: python3 scripts/confusables.py path/to/confusables.txt
(the file is published with each Unicode version, under Public/security/<version>/ on unicode.org).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "policysite" / "confusables.txt"
ENTRY = re.compile(r"^([0-9A-F]{4,6}) ;\t([0-9A-F ]+?) ;\tMA\t")


def header_value(text: str, field: str) -> str:
    """Return a '# Field: value' line's value from the source's header."""
    match = re.search(rf"^# {field}: (.+)$", text, re.MULTILINE)
    if not match:
        sys.exit(f"error: the file has no '# {field}:' line; is it confusables.txt?")
    return match.group(1).strip()


def compact(text: str) -> list[str]:
    """Return one 'SOURCE TARGET...' line (hex code points) per mapping."""
    lines = [f"{m.group(1)} {m.group(2)}" for m in map(ENTRY.match, text.splitlines()) if m]
    if len(lines) < 1000:
        sys.exit(f"error: only {len(lines)} mappings found; is it confusables.txt?")
    return lines


def main(argv: list[str]) -> int:
    """Read the source named on the command line and write the compact table."""
    if len(argv) != 1:
        sys.exit(__doc__.split("\n\n")[1])
    text = Path(argv[0]).read_text(encoding="utf-8-sig")
    version, date = header_value(text, "Version"), header_value(text, "Date")
    lines = compact(text)
    OUT.write_text(
        "# Look-alike prototypes for UTS #39 skeletons (policysite/spoofing.py): per line, a character and the\n"
        "# characters it looks like, as hexadecimal code points. Written by scripts/confusables.py from\n"
        f"# confusables.txt, Unicode Security Mechanisms for UTS #39, version {version} ({date}).\n"
        "# Copyright Unicode, Inc.; terms of use and licence: https://www.unicode.org/terms_of_use.html\n"
        f"# Version: {version}\n# Mappings: {len(lines)}\n" + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(lines)} mappings, Unicode {version}); set CONFUSABLES_VERSION in policysite/spoofing.py to match")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
