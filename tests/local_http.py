"""Local HTTP servers that stand in for outside services in tests (the
platforms' APIs, the landlord's case system): each serves on a free loopback
port from a background thread, keeps quiet, and answers JSON."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps test output quiet, with JSON helpers."""

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def log_message(self, *args: object) -> None:
        pass


def serve(handler: type[BaseHTTPRequestHandler], name: str) -> tuple[str, ThreadingHTTPServer]:
    """Start serving with `handler` on a free loopback port; the server's URL and the server."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name=name, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()
