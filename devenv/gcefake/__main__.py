"""Command line: `python -m devenv.gcefake --port PORT [--op-delay SECONDS] [--verbose]`.

Prints `READY http://127.0.0.1:PORT` on stdout once listening; SIGTERM or Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from .server import FakeServer


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    """Run the fake until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m devenv.gcefake", description="Google Compute Engine REST fake"
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument(
        "--op-delay", type=float, default=0.05, help="seconds until an operation is DONE"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    if args.op_delay < 0:
        parser.error("--op-delay must not be negative")
    server = FakeServer(args.port, args.op_delay, args.verbose)
    signal.signal(signal.SIGTERM, _stop)
    print(f"READY {server.url}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
