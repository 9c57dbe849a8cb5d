"""The preview's web server on tornado: the site, the page script, and the reload socket that drives it.

Every HTML page (and the 404 page) is sent with one script tag added before </head>: /_preview/client.js,
which opens /_preview/socket and reloads the page or shows the last build's problems over it. The tag says
which build the page came from, so the server knows on the socket whether the page is out of date. The files
in site/ are never changed: the tag is added to what is sent. Every handler first refuses, as guard.py says,
other host names, other pages' sockets and malformed paths.
"""

from __future__ import annotations

import hashlib
import html
import re
import sys
from pathlib import Path

from tornado.web import Application, RequestHandler, StaticFileHandler
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from policysite.languages import not_found_page
from policysite.preview.guard import Names, check_origin, refuse
from policysite.problems import clip, printable

CLIENT = Path(__file__).with_name("client.js")
HEAD_END = re.compile(rb"</head\s*>", re.IGNORECASE)
NOTHING_BUILT = (b'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Nothing here yet</title>\n</head>\n'
                 b"<body>\n<main>\n<h1>Nothing here yet</h1>\n<p>No build has published this page. Fix the problems the "
                 b"terminal shows and save: this page reloads by itself.</p>\n</main>\n</body>\n</html>\n")


def make_app(preview, out_dir: Path, names: Names) -> Application:
    """Return the preview's tornado application for the site in out_dir."""
    return Application([
        (r"/_preview/socket", ReloadSocket, {"preview": preview, "names": names}),
        (r"/_preview/client\.js", ClientScript, {"names": names}),
        (r"/(.*)", SiteFiles, {"path": str(out_dir), "preview": preview, "names": names}),
    ], websocket_max_message_size=4096, log_function=log_request)


def with_client(page: bytes, token: str) -> bytes:
    """Return the page with the script tag of the preview added before </head> (at the end if it has none)."""
    tag = f'<script src="/_preview/client.js" data-build="{html.escape(token)}" defer></script>'.encode()
    found = HEAD_END.search(page)
    return page[:found.start()] + tag + page[found.start():] if found else page + tag


def log_request(handler: RequestHandler) -> None:
    """Print a request the server refused or could not answer; the others would drown the build's lines."""
    if handler.get_status() >= 400:
        request = handler.request
        print(printable(f"{handler.get_status()} {request.method} {clip(request.uri, 200)}"), file=sys.stderr, flush=True)


class SiteFiles(StaticFileHandler):
    """The files of site/, HTML pages with the preview's script tag (and sent again whole after each build)."""

    def initialize(self, path: str, preview, names: Names) -> None:
        """Serve path, index.html for a folder; pages name the preview's current build."""
        super().initialize(path, default_filename="index.html")
        self.preview, self.names = preview, names

    def prepare(self) -> None:
        """Refuse other host names and malformed paths before tornado's file handling sees them."""
        refuse(self, self.names, path=True)

    def set_extra_headers(self, path: str) -> None:
        """Have the browser ask every time: a file kept by the build keeps its old Last-Modified, from which a browser
        would otherwise guess the copy it holds is fresh for hours, and show an edited stylesheet's old one after a reload."""
        self.set_header("Cache-Control", "no-cache")

    async def get(self, path: str, include_body: bool = True) -> None:
        """Send a page with the script tag; leave every other file to tornado."""
        self.path = self.parse_url_path(path)
        found = self.validate_absolute_path(self.root, self.get_absolute_path(self.root, self.path))
        if found is None:   # a folder asked for without its final /: redirected there
            return
        if not found.endswith(".html"):
            await super().get(path, include_body)
            return
        with open(found, "rb") as handle:
            self.send_page(handle.read())   # tornado sends no body to a HEAD request

    def write_error(self, status_code: int, **kwargs) -> None:
        """Answer a missing file with the site's 404 page, which reloads once a build publishes what was asked for."""
        if status_code != 404:
            super().write_error(status_code, **kwargs)
            return
        pages = [Path(self.root, name) for name in not_found_page(self.request.path)]   # /de/... gets de/404.html
        missing = next((page for page in pages if page.is_file()), None)
        self.send_page(missing.read_bytes() if missing is not None else NOTHING_BUILT)

    def send_page(self, page: bytes) -> None:
        """Send an HTML page with the script tag; its ETag is that of the bytes sent, which name the build."""
        body = with_client(page, self.preview.token)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        if self.get_status() == 200:
            self.set_header("Etag", f'"{hashlib.sha256(body).hexdigest()[:32]}"')
            if self.check_etag_header():
                self.set_status(304)
                self.finish()
                return
        self.finish(body)


class ClientScript(RequestHandler):
    """/_preview/client.js: the page script (read once; it is part of the package, not of the site)."""

    SOURCE = CLIENT.read_bytes()

    def initialize(self, names: Names) -> None:
        """Answer only to names."""
        self.names = names

    def prepare(self) -> None:
        """Refuse other host names."""
        refuse(self, self.names)

    def get(self) -> None:
        """Send the script."""
        self.set_header("Content-Type", "text/javascript; charset=utf-8")
        self.set_header("Cache-Control", "no-cache")
        self.finish(self.SOURCE)


class ReloadSocket(WebSocketHandler):
    """/_preview/socket?build=<token>&page=<path>: one open page, told to reload or shown the problems."""

    def initialize(self, preview, names: Names) -> None:
        """Join pages to preview; answer only to names."""
        self.preview, self.names = preview, names

    def prepare(self) -> None:
        """Refuse other host names and other sites' pages."""
        # The Origin is checked here, as tornado 6.6 lets an https Origin through when its host:port is the Host.
        refuse(self, self.names, origin=True)

    def check_origin(self, origin: str) -> bool:
        """Take only this server's pages (prepare() has refused the others already)."""
        return check_origin(origin, self.names)

    def open(self) -> None:
        """Join the preview with the build the page came from."""
        page = self.get_argument("page", "")
        print(f"page connected: {printable(clip(page, 200))}", flush=True)
        self.preview.join(self, self.get_argument("build", ""))

    def on_message(self, message) -> None:
        """Ignore what a page says: it only listens."""

    def on_close(self) -> None:
        """Leave the preview: the page was closed or reloaded."""
        self.preview.leave(self)

    def send(self, text: str) -> None:
        """Send one message; a page that has just gone away leaves by on_close()."""
        try:
            self.write_message(text)
        except WebSocketClosedError:
            self.preview.leave(self)

