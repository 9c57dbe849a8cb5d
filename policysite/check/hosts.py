"""Host names and IP addresses as a browser reads them: only public hosts, written plainly.

A browser reads '2130706433', '0x7f.1' and '0177.0.0.1' as 127.0.0.1 (the WHATWG URL
standard's IPv4 parser), maps fullwidth digits and '。' before that, and unwraps IPv4
addresses carried inside IPv6 ones. The checks below read hosts the same way, so no spelling
of a private address passes as a host name. Each function returns a short reason a host is
wrong, or None when it is fine.
"""

from __future__ import annotations

import ipaddress
import re

import idna

from policysite.spoofing import is_mixed_script

LABEL_RE = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
HEX_PART_RE = re.compile(r"0[xX][0-9a-fA-F]*")
# Names that never lead to a public host: RFC 6761 (localhost, invalid), RFC 6762 (local),
# RFC 8375 (home.arpa), RFC 9476 (alt), ICANN's private-use 'internal', and the common 'localdomain'.
LOCAL_NAMES = ("localhost", "localdomain", "local", "internal", "home.arpa", "invalid", "alt")
DOCUMENTATION_NETWORKS = tuple(ipaddress.ip_network(n) for n in
                               ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"))
NAT64_NETWORK = ipaddress.ip_network("64:ff9b::/96")
SHARED_NETWORK = ipaddress.ip_network("100.64.0.0/10")   # carrier-grade NAT: Python counts it neither private nor global
IPV4_MAX = 2**32 - 1


def host_problem(host: str, *, bracketed: bool = False) -> str | None:
    """Say what is wrong with a URL's or email address's host, or return None if it is a public one."""
    if bracketed:
        return ipv6_problem(host)
    ascii_host = to_ascii(host)
    if ascii_host is None:
        return f"'{host}' is not a valid host name"
    if ends_in_number(ascii_host):
        address = parse_ipv4(ascii_host)
        return f"'{host}' is not a valid host name" if address is None else ipv4_problem(host, address)
    if host.isascii():
        return name_problem(host)
    return name_problem(ascii_host) or f"'{host}' is not written in ASCII; write it as '{ascii_host}'"


def to_ascii(host: str) -> str | None:
    """Return the host as a browser would look it up (IDNA, UTS #46 as browsers apply it), or None if it cannot be."""
    if host.isascii():
        return host.lower()
    try:
        return idna.encode(host, uts46=True, transitional=False).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return None


def ends_in_number(host: str) -> bool:
    """Return True if a browser would read the host as an IPv4 address (WHATWG 'ends in a number')."""
    labels = host.split(".")
    if labels[-1] == "" and len(labels) > 1:
        labels.pop()
    last = labels[-1]
    return last != "" and (last.isdigit() and last.isascii() or HEX_PART_RE.fullmatch(last) is not None)


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Read the host as the WHATWG IPv4 parser does (decimal, octal and hex parts, 1 to 4 of them), or return None."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    numbers = [_ipv4_number(part) for part in parts]
    if len(parts) > 4 or None in numbers or any(n > 255 for n in numbers[:-1]):
        return None
    if numbers[-1] >= 256 ** (5 - len(numbers)):
        return None
    value = sum(n << (8 * (3 - i)) for i, n in enumerate(numbers[:-1])) + numbers[-1]
    return ipaddress.IPv4Address(value) if value <= IPV4_MAX else None


def _ipv4_number(part: str) -> int | None:
    """Read one part of an IPv4 host: 0x hex, 0 octal or decimal; None if it is not a number."""
    if part == "" or not part.isascii():
        return None
    digits, radix = part, 10
    if part[:2].lower() == "0x":
        digits, radix = part[2:], 16
    elif len(part) > 1 and part[0] == "0":
        digits, radix = part[1:], 8
    if digits == "":
        return 0
    try:
        return int(digits, radix) if digits.isalnum() else None
    except ValueError:
        return None


def ipv4_problem(spelled: str, address: ipaddress.IPv4Address) -> str | None:
    """Refuse an IPv4 address that is not public, or a public one written in a disguised way."""
    kind = address_kind(address)
    if spelled == str(address):
        return f"'{spelled}' is {kind} address; link to a public host" if kind else None
    if kind:
        return f"'{spelled}' is {address}, {kind} address, written another way; link to a public host"
    return f"'{spelled}' is the address {address} written another way; write it as '{address}'"


def ipv6_problem(host: str) -> str | None:
    """Refuse a bracketed IPv6 host that is not public, directly or through the IPv4 address it carries."""
    try:
        address = ipaddress.IPv6Address(host)
    except ValueError:
        return f"'[{host}]' is not a valid IPv6 address"
    if address.scope_id is not None:
        return f"'[{host}]' names a network interface of the reader's own machine; link to a public host"
    carried = next((v4 for v4 in embedded_ipv4(address) if address_kind(v4)), None)
    if carried is not None:
        return f"'[{host}]' leads to {carried}, {address_kind(carried)} address; link to a public host"
    kind = address_kind(address)
    return f"'[{host}]' is {kind} address; link to a public host" if kind else None


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Return the IPv4 addresses an IPv6 address leads to: mapped, compatible, 6to4, Teredo, NAT64."""
    found = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    low = ipaddress.IPv4Address(int(address) & IPV4_MAX)
    if address in NAT64_NETWORK or (int(address) >> 32 == 0 and int(address) > 1):   # '::' and '::1' carry none
        found.append(low)
    return [v4 for v4 in found if v4 is not None]


def address_kind(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Name the kind of a non-public address ('a loopback', 'a private', ...), or return None for a public one."""
    for test, kind in (("is_unspecified", "the unspecified"), ("is_loopback", "a loopback"), ("is_link_local", "a link-local"),
                       ("is_multicast", "a multicast"), ("is_reserved", "a reserved")):
        if getattr(address, test):
            return kind
    if address in SHARED_NETWORK:
        return "a shared (carrier-grade NAT)"
    if any(address in network for network in DOCUMENTATION_NETWORKS):
        return "a documentation"
    if address.is_private:
        return "a private"
    return None if address.is_global else "a non-public"


def name_problem(host: str) -> str | None:
    """Say what is wrong with an ASCII host name, or return None if it is a full, valid, public one."""
    name = (host[:-1] if host.endswith(".") else host).lower()
    labels = name.split(".")
    if len(labels) < 2 and name not in LOCAL_NAMES:
        return f"'{host}' is not a full host name such as 'www.example.com'"
    if len(name) > 253 or not all(LABEL_RE.fullmatch(label) for label in labels) \
            or not (labels[-1].isalpha() or labels[-1].startswith("xn--")):
        return f"'{host}' is not a valid host name"
    if any(name == local or name.endswith("." + local) for local in LOCAL_NAMES):
        return f"'{host}' names the reader's own machine or local network; link to a public host"
    return punycode_problem(host, labels)


def punycode_problem(host: str, labels: list[str]) -> str | None:
    """Refuse 'xn--' labels that are not valid IDNA, or that spell a word mixing scripts (a look-alike)."""
    if not any(label.startswith("xn--") for label in labels):
        return None
    try:
        spelled = [idna.decode(label) if label.startswith("xn--") else label for label in labels]
    except (idna.IDNAError, UnicodeError):
        return f"'{host}' is not a valid host name"
    if any(is_mixed_script(label) for label, ace in zip(spelled, labels) if ace.startswith("xn--")):
        return f"'{host}' reads as '{'.'.join(spelled)}', which mixes scripts and can pass for another name"
    return None


