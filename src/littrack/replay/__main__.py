"""``python -m littrack.replay --port 0``: run the fake E-utilities server, print its base URL, serve until stopped."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading

from littrack.replay.corpus import default_corpus
from littrack.replay.replies import split_matcher, wide_window_override
from littrack.replay.server import FakeEutils


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m littrack.replay", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--no-rate-limit", action="store_true", help="do not answer HTTP 429 above 3 (10) requests/s")
    parser.add_argument(
        "--match",
        choices=("all", "split"),
        default="all",
        help="all: every term finds every record; split: each term finds its own stable subset",
    )
    parser.add_argument("--share", type=float, default=0.5, help="with --match split: share of records per term")
    parser.add_argument(
        "--cap-days",
        type=int,
        default=0,
        help="pretend date windows longer than this many days match 12,000 records (0: off)",
    )
    args = parser.parse_args(argv)
    corpus = default_corpus()
    server = FakeEutils(
        corpus,
        term_matcher=split_matcher(corpus.pmids, args.share) if args.match == "split" else None,
        count_override=wide_window_override(args.cap_days) if args.cap_days > 0 else None,
        rate_limit=not args.no_rate_limit,
        port=args.port,
    )
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with server:
        print(server.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            done.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
