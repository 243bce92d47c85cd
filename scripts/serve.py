"""`make serve`: build the site, rebuild it when content/ or theme/ changes, and serve it.

The referral service serves the built site and the form on one origin, so the
self-referral form works out of the box; Pelican's autoreload runs beside it.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--output", default="output")
    args = parser.parse_args()

    pelican = [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", args.output]
    first = subprocess.run(pelican, cwd=ROOT)
    if first.returncode != 0:
        print("The site did not build: see the messages above.", file=sys.stderr)
        return first.returncode

    watcher = subprocess.Popen(pelican + ["--autoreload"], cwd=ROOT)
    server = subprocess.Popen(
        [sys.executable, "-m", "referrals", "dev", "--site", args.output,
         "--host", args.host, "--port", str(args.port)],
        cwd=ROOT,
    )
    print(f"Serving the site at http://{args.host}:{args.port}/ (Ctrl+C to stop)")
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for process in (server, watcher):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in (server, watcher):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    sys.exit(main())
