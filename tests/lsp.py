"""A small Language Server Protocol client for tests: talks to yaml-language-server over stdio,
as VS Code's YAML extension and other editors do."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Installed by scripts/test-all (npm, into this git-ignored folder).
SERVER = REPO / ".tools/yaml-language-server/node_modules/yaml-language-server/bin/yaml-language-server"
TIMEOUT = 60   # seconds; only there so a wedged server cannot hang the test run


def require_server() -> None:
    """Fail (never skip) when the language server is not installed."""
    if not SERVER.is_file():
        pytest.fail(f"editor tests need {SERVER}; run sh scripts/test-all, or: npm install --prefix "
                    ".tools/yaml-language-server yaml-language-server@1.25.0", pytrace=False)


class LanguageServer:
    """One yaml-language-server process and the messages it sends."""

    def __init__(self, root: Path):
        require_server()
        self.process = subprocess.Popen(["node", str(SERVER), "--stdio"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.inbox: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        settings = {"validate": True, "completion": True, "hover": True, "schemaStore": {"enable": False}}
        self.settings = settings
        init = self.request("initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {
            "textDocument": {"completion": {"completionItem": {"documentationFormat": ["plaintext"]}}},
            "workspace": {"configuration": True}}})
        self.wait_for(lambda m: m.get("id") == init)
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": {"yaml": settings}})

    def _read(self) -> None:
        stream = self.process.stdout
        while True:
            headers = {}
            while (line := stream.readline().decode("ascii").strip()):
                key, value = line.split(":", 1)
                headers[key.lower()] = value.strip()
            if not headers:
                return
            self.inbox.put(json.loads(stream.read(int(headers["content-length"]))))

    def _send(self, message: dict) -> None:
        data = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.process.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        """Send a notification."""
        self._send({"method": method, "params": params})

    def request(self, method: str, params: dict) -> int:
        """Send a request; return its id."""
        self.next_id += 1
        self._send({"id": self.next_id, "method": method, "params": params})
        return self.next_id

    def wait_for(self, wanted) -> dict:
        """Return the next message for which wanted(message) is true, answering the server's own requests."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                message = self.inbox.get(timeout=1)
            except queue.Empty:
                continue
            if message.get("method") == "workspace/configuration":
                self._send({"id": message["id"], "result": [self.settings] * len(message["params"]["items"])})
            elif "method" in message and "id" in message:
                self._send({"id": message["id"], "result": None})
            elif wanted(message):
                return message
        raise TimeoutError("the language server did not answer")

    def open(self, path: Path, text: str) -> list[dict]:
        """Open a document; return the diagnostics the server publishes for it."""
        self.notify("textDocument/didOpen", {"textDocument": {"uri": path.as_uri(), "languageId": "yaml", "version": 1, "text": text}})
        message = self.wait_for(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == path.as_uri())
        return message["params"]["diagnostics"]

    def complete(self, path: Path, line: int, character: int) -> list[dict]:
        """Ask for completion at a 0-based position; return the items."""
        request = self.request("textDocument/completion", {"textDocument": {"uri": path.as_uri()}, "position": {"line": line, "character": character}})
        result = self.wait_for(lambda m: m.get("id") == request)["result"]
        return result["items"] if isinstance(result, dict) else result

    def close(self) -> None:
        """Stop the server."""
        self.process.kill()
        self.process.wait(timeout=10)
