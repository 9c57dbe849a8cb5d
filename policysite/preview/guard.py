"""What the preview server refuses: requests for other host names, reload sockets for other pages, malformed paths.

A page on evil.example whose name resolves to 127.0.0.1 (DNS rebinding) is same-origin, for the browser,
with whatever answers there, so it could read the preview; its requests say `Host: evil.example:8000`,
hence only the bound address's names are answered (421 otherwise). Browsers apply no same-origin policy
to websockets, so the reload socket also checks `Origin`. A malformed path is a 400 before tornado's file
handler sees it (tornado's failed on %00 with a 500 and a traceback). The check_* functions say what is
wrong with a request; refuse() answers it with that.
"""

from __future__ import annotations

import errno
import ipaddress
import re
from urllib.parse import unquote_to_bytes

LOOPBACK = ("127.0.0.1", "localhost", "[::1]")   # names a browser on this machine uses for a loopback server
WILDCARDS = ("", "0.0.0.0", "::")                # bound to every address: the LAN reaches it by IP
MAX_PATH = 1024   # characters of a request path, escaped; the site's longest is far shorter
AUTHORITY = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9._~!$&'()*+,;=%-]+)(?::([0-9]{0,5}))?", re.IGNORECASE)  # RFC 3986
BAD_ESCAPE = re.compile(r"%(?![0-9a-fA-F]{2})")


class Names:
    """The host[:port] values that name this server: what a request's Host may say, and an Origin after http://."""

    def __init__(self, host: str, port: int):
        self.port = port
        self.any_ip = host in WILDCARDS
        self.hosts = bound_hosts(host or "0.0.0.0")   # tornado binds every address for ''

    def accepts(self, authority: str) -> bool:
        """Return True if authority ('127.0.0.1:8000'; no port means 80, as in a browser's Host) names this server."""
        match = AUTHORITY.fullmatch(authority)
        if not match or int(match[2] or 80) != self.port:
            return False
        host = match[1].lower()
        return host in self.hosts or (self.any_ip and is_ip_literal(host))

    def describe(self) -> str:
        """Return the names for a message: '127.0.0.1:8000, localhost:8000 or [::1]:8000'."""
        names = [f"{host}:{self.port}" for host in self.hosts] + (["any IP address of this machine"] if self.any_ip else [])
        return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else names[0]


def bound_hosts(host: str) -> tuple[str, ...]:
    """Return the host names (lower case, IPv6 in brackets) a browser may use for the address the server binds."""
    if host.lower() == "localhost":
        return LOOPBACK
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return (host.lower(),)
    literal = f"[{ip.compressed}]" if ip.version == 6 else ip.compressed
    if ip.is_loopback or ip.is_unspecified:
        return tuple(dict.fromkeys((literal, *LOOPBACK)))
    return (literal,)


def is_ip_literal(host: str) -> bool:
    """Return True for '192.0.2.7' or '[2001:db8::7]': names no DNS answer can point elsewhere."""
    try:
        ipaddress.ip_address(host[1:-1] if host.startswith("[") else host)
    except ValueError:
        return False
    return True


def check_host(values: list[str], names: Names) -> tuple[int, str] | None:
    """Return (status, reason) when the request's Host headers do not name this server once, else None."""
    if len(values) != 1 or not AUTHORITY.fullmatch(values[0]):
        return 400, "bad request: a request needs one Host header of the form host:port"
    if not names.accepts(values[0]):
        return 421, f"misdirected request: this preview server answers only to {names.describe()}"
    return None


def check_origin(origin: str, names: Names) -> bool:
    """Return True if a websocket's Origin is a page of this server (http, one of its names, its port)."""
    scheme = "http://"
    return origin.lower().startswith(scheme) and names.accepts(origin[len(scheme):])


def check_path(path: str) -> str | None:
    """Return why a request path (as sent: percent-escaped) is malformed, or None if it may name a file."""
    if not path.startswith("/"):
        return "the path must start with /"
    if len(path) > MAX_PATH:
        return f"the path is longer than {MAX_PATH} characters"
    if not all("!" <= char <= "~" for char in path):
        return "the path holds a character that must be percent-escaped"
    if BAD_ESCAPE.search(path):
        return "the path holds a % not followed by two hex digits"
    try:
        text = unquote_to_bytes(path).decode("utf-8")
    except UnicodeDecodeError:
        return "the path is not UTF-8 once unescaped"
    if not all(char.isprintable() and char != "\\" for char in text):
        return "the path holds a control character or a backslash"
    segments = text.split("/")[1:]
    if any(segment in ("", ".", "..") for segment in segments[:-1]) or segments[-1] in (".", ".."):
        return "the path holds an empty, '.' or '..' segment"
    return None


def describe_listen_error(exc: OSError, host: str, port: int) -> str:
    """Return one line saying why the server cannot listen on host:port."""
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is in use; stop what is using it or choose another port with --port"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"


def refuse(handler, names: Names, path: bool = False, origin: bool = False) -> None:
    """Answer, with a one-line plain-text reason, a request for another host, from another page or for a malformed path.

    A request without Origin is not from a browser (browsers send it on every websocket), so it may connect.
    """
    request = handler.request
    found = check_host(request.headers.get_list("Host"), names)
    if not found and path and (problem := check_path(request.path)):
        found = 400, f"bad request: {problem}"
    if not found and origin and not all(check_origin(value, names) for value in request.headers.get_list("Origin")):
        found = 403, "forbidden: only pages of this server may open the reload socket"
    if found:
        handler.set_status(found[0])
        handler.set_header("Content-Type", "text/plain; charset=utf-8")
        handler.finish(found[1] + "\n")   # tornado skips the handler's get() once prepare() has finished


def check_listen(host: str, port: int) -> str | None:
    """Return why the server cannot listen on host:port, or None; tried before the first build, which can be long."""
    from tornado.netutil import bind_sockets

    try:
        for sock in bind_sockets(port, address=host):
            sock.close()
    except OSError as exc:
        return describe_listen_error(exc, host, port)
    return None
