"""Web and email addresses beyond their schema pattern, and the same rules for links in Markdown.

Each function returns a short reason a value is wrong, or None when it is fine; rules.py and
markup.py turn the reason into a located problem. A link in Markdown passes exactly when the same
text would pass as an address field (an http(s) URL or, after 'mailto:', an email address), or
when it is a path within the site.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from policysite.check.hosts import host_problem
from policysite.check.schema import load_schema

# Characters no address may hold: the web_url pattern's exclusions, and controls it does not name.
UNSAFE_RE = re.compile(r"[\s\"'<>\\`\x00-\x1f\x7f]")
SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
OTHER_SCHEME = "only http://, https:// and mailto: links, or paths within the site, can be published"


@lru_cache(maxsize=None)
def field_rule(name: str) -> tuple[re.Pattern, int]:
    """Return the schema's pattern and length limit for 'web_url' or 'email', the rules the fields follow."""
    defs = load_schema("app.schema.json")["$defs"]
    rule = defs["web_url"] if name == "web_url" else defs["method_policy"]["properties"]["email"]
    return re.compile(rule["pattern"]), rule["maxLength"]


def unsafe_problem(value: str) -> str | None:
    """Refuse a space, quote, angle bracket, backslash, backtick or control character anywhere in an address."""
    found = UNSAFE_RE.search(value)
    return f"it holds {found.group()!r}, which an address may not contain" if found else None


def url_problem(value: str) -> str | None:
    """Say what is wrong with an http(s) address the schema let through, or return None."""
    if refusal := unsafe_problem(value):
        return refusal   # the schema's '$' lets a final line break through, and browsers drop it silently
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
    return host_problem(parts.hostname, bracketed=parts.netloc.startswith("["))


def email_problem(value: str) -> str | None:
    """Say what is wrong with an email address the schema let through, or return None."""
    if refusal := unsafe_problem(value):
        return refusal
    local, _, domain = value.rpartition("@")
    if len(local) > 64:
        return "the part before '@' is longer than 64 characters"
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return "the part before '@' may not start or end with a dot or have two dots in a row"
    if "%" in local:
        return "'%' before '@' can pass the mail on to another server; remove it"
    return host_problem(domain)


@lru_cache(maxsize=1024)   # the same links recur across descriptions, and in the sanitiser's output
def link_problem(href: str, *, limit: bool = True) -> str | None:
    """Say why a link in Markdown may not be published, or return None; limit applies the fields' length limit."""
    scheme = SCHEME_RE.match(href)
    name = scheme.group(1) if scheme else ""
    if scheme and name.lower() not in ("http", "https", "mailto"):
        return OTHER_SCHEME
    if refusal := unsafe_problem(href):
        return refusal
    if href.startswith("//"):
        return "an address that starts with '//' leaves the site; write it in full with 'https://'"
    if name != name.lower():
        return f"write '{name.lower()}:' in lower case"
    pattern, max_length = field_rule("web_url")
    if limit and len(href) > max_length:
        return f"it is {len(href)} characters long; the limit is {max_length}"
    if not scheme:
        return None   # a path within the site
    if name == "mailto":
        return mailto_problem(href[len("mailto:"):])
    return url_problem(href) if pattern.search(href) else f"expected '{name}://' and a host name"


def mailto_problem(address: str) -> str | None:
    """Say what is wrong with what follows 'mailto:' in a link: one email address, nothing more."""
    if "?" in address:
        return "a mailto: link may not carry '?cc=', '?bcc=', '?body=' or any other query; link the address alone"
    pattern, max_length = field_rule("email")
    if len(address) > max_length or not pattern.search(address):
        return "expected one email address such as 'support@example.com' after 'mailto:'"
    return email_problem(address)
