"""``roughatlas index`` and ``roughatlas serve-index``: the static theorem index.

A thin dispatcher: the data is gathered in ``verifier.index.gather``, the pages are
Jinja2 templates rendered by ``verifier.index.render``.
"""
from __future__ import annotations

import sys
from pathlib import Path

from verifier.registry import ROOT

OK, FAIL, BAD = 0, 1, 2
DEFAULT_OUT = ROOT / "build" / "index"
DEFAULT_RESULTS = ROOT / "build"


def cmd_index(args):
    from verifier.index import gather, render

    try:
        stats = render.build(args.out, registry=args.registry, results=args.results)
    except (gather.GatherError, render.RenderError) as exc:
        print(f"roughatlas index: {exc}", file=sys.stderr)
        return FAIL
    out = Path(args.out)
    print(f"wrote {out}/: {stats['pages']} pages, {stats['bytes'] / 1e6:.1f} MB in {stats['seconds']:.1f} s "
          f"(gather {stats['gather_seconds']:.1f} s); graph {stats['graph']}")
    print(f"open file://{out.resolve()}/index.html (or: roughatlas serve-index)")
    return OK


def cmd_serve_index(args):
    from verifier.index import serve

    if not 0 <= args.port <= 65535:
        print(f"roughatlas serve-index: --port must be in 0..65535, got {args.port}", file=sys.stderr)
        return BAD
    try:
        httpd = serve.make_server(args.dir, args.port)
    except FileNotFoundError as exc:
        print(f"roughatlas serve-index: {exc}", file=sys.stderr)
        return FAIL
    except OSError as exc:
        print(f"roughatlas serve-index: cannot listen on 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
        return FAIL
    host, port = httpd.server_address[:2]
    print(f"serving {args.dir} at http://{host}:{port}/ (Ctrl-C stops)", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return OK


def add_parser(sub):
    ix = sub.add_parser("index", help="write the static theorem index site (build/index/)")
    ix.add_argument("--out", default=str(DEFAULT_OUT), help="site folder (default: %(default)s)")
    ix.add_argument("--results", default=str(DEFAULT_RESULTS),
                    help="folder with coq_report.json, witness.json, witness/*.png (default: %(default)s)")
    ix.set_defaults(fn=cmd_index)
    sv = sub.add_parser("serve-index", help="serve the built index on 127.0.0.1")
    sv.add_argument("--port", type=int, default=8000, help="port (default: %(default)s; 0 = any free port)")
    sv.add_argument("--dir", default=str(DEFAULT_OUT), help="site folder (default: %(default)s)")
    sv.set_defaults(fn=cmd_serve_index)
