"""Wait until HTTP services answer: `python -m housing.wait_ready [--timeout S] URL [URL ...]`.

Used by the run script; exits 1 after the timeout (default 180 seconds)
naming the service that never answered.
"""
from __future__ import annotations

import argparse
import sys
import time

import requests


def wait_for(urls: list[str], timeout: float) -> str | None:
    """Return None when every URL answers 200, else the first one that never did."""
    deadline = time.monotonic() + timeout
    for url in urls:
        while True:
            try:
                if requests.get(url, timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                return url
            time.sleep(0.25)
    return None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m housing.wait_ready")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to wait in all")
    parser.add_argument("urls", nargs="+")
    args = parser.parse_args(argv)
    failed = wait_for(args.urls, args.timeout)
    if failed:
        print(f"ERROR: {failed} did not answer in time", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
