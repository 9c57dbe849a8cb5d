"""Web and email addresses beyond their schema pattern: real host names, no hidden user names.

Each function returns a short reason a value is wrong, or None when it is fine;
rules.py turns the reason into a located problem.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def host_problem(host: str) -> str | None:
    """Say what is wrong with a host name, or return None if it is a full, valid one."""
    name = host[:-1] if host.endswith(".") else host
    labels = name.split(".")
    if len(labels) < 2:
        return f"'{host}' is not a full host name such as 'www.example.com'"
    for label in labels:
        try:
            ascii_label = label if label.isascii() else label.encode("idna").decode("ascii")
        except UnicodeError:
            return f"'{host}' is not a valid host name"
        if not LABEL_RE.match(ascii_label.lower()):
            return f"'{host}' is not a valid host name"
    top = labels[-1]
    if len(name) > 253 or not (top.isalpha() or top.lower().startswith("xn--")):
        return f"'{host}' is not a valid host name"
    return None


def url_problem(value: str) -> str | None:
    """Say what is wrong with an http(s) address the schema let through, or return None."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return "its host is not well formed"
    try:
        port = parts.port
    except ValueError:
        return "its port is not a number from 1 to 65535"
    if "@" in parts.netloc:
        return "a user name before '@' can disguise where a link goes; remove it"
    if not parts.hostname:
        return "it has no host name"
    if port == 0:
        return "port 0 is not a real port"
    try:
        ipaddress.ip_address(parts.hostname)
        return None
    except ValueError:
        return host_problem(parts.hostname)


def email_problem(value: str) -> str | None:
    """Say what is wrong with an email address the schema let through, or return None."""
    local, _, domain = value.rpartition("@")
    if len(local) > 64:
        return "the part before '@' is longer than 64 characters"
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return "the part before '@' may not start or end with a dot or have two dots in a row"
    return host_problem(domain)
