"""``python -m service [--host 127.0.0.1] [--port 8000]``: run the pricing service with uvicorn."""
import argparse

import uvicorn


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m service", description="Run the roughatlas pricing service.")
    ap.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1, loopback only)")
    ap.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    a = ap.parse_args(argv)
    uvicorn.run("service.app:app", host=a.host, port=a.port, workers=a.workers, log_level="info")


if __name__ == "__main__":
    main()
