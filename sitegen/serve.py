"""Development server: serves the built site on 127.0.0.1 (live reload and the counter join later)."""
from __future__ import annotations

import errno
import functools
import http.server
import sys
from pathlib import Path


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:   # quieter than the default
        if args and str(args[1]).startswith(("4", "5")):
            super().log_message(format, *args)

    def send_error(self, code, message=None, explain=None):
        if code == 404:
            page = Path(self.directory) / "404.html"
            if page.is_file():
                body = page.read_bytes()
                self.send_response(404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                return
        super().send_error(code, message, explain)


def serve(root: Path, host: str, port: int) -> int:
    handler = functools.partial(_Handler, directory=str(root))
    try:
        server = http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(f"sitegen: error: port {port} on {host} is already in use; "
                  f"try another one with --port {port + 1}", file=sys.stderr)
            return 2
        raise
    print(f"Serving {root} at http://{host}:{server.server_address[1]}/ (Ctrl+C to stop)", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
