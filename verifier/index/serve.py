"""``roughatlas serve-index``: serve the built site on 127.0.0.1 (a convenience: the site
also opens from file:// with no server)."""
from __future__ import annotations

import functools
import http.server
from pathlib import Path


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):          # one line per request is noise here
        pass


def make_server(site, port=8000):
    """An HTTP server bound to 127.0.0.1 serving ``site`` (port 0: any free port)."""
    site = Path(site)
    if not (site / "index.html").is_file():
        raise FileNotFoundError(f"{site}/index.html not found (build the site first: roughatlas index)")
    handler = functools.partial(_Quiet, directory=str(site))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
