"""`make serve`: build the site, rebuild it when content/ or theme/ changes, and serve it.

The referral service serves the built site and the form on one origin, so the
self-referral form works out of the box, and the staff inbox on its own origin
(http://localhost:8001, a domain so that passkeys work); Pelican's autoreload runs beside
it, and so does the web editor's local backend (Decap's decap-server) when npm packages
are installed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DECAP_SERVER = ROOT / "node_modules" / "decap-server" / "dist" / "index.js"


def start_editor_backend(host: str, port: int) -> subprocess.Popen | None:
    """Decap's local backend writes what volunteers save in /admin/ straight to content/."""
    node = shutil.which("node")
    if not node or not DECAP_SERVER.exists():
        print("The web editor's local backend is not installed: run `npm ci` to use /admin/.")
        return None
    env = dict(os.environ, PORT=str(port), BIND_HOST=host, MODE="fs", GIT_REPO_DIRECTORY=str(ROOT))
    return subprocess.Popen([node, str(DECAP_SERVER)], cwd=ROOT, env=env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--output", default="output")
    parser.add_argument("--editor-port", type=int, default=int(os.environ.get("DECAP_PORT", 8081)))
    parser.add_argument("--inbox-port", type=int, default=int(os.environ.get("INBOX_PORT", 8001)))
    args = parser.parse_args()

    pelican = [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", args.output]
    first = subprocess.run(pelican, cwd=ROOT)
    if first.returncode != 0:
        print("The site did not build: see the messages above.", file=sys.stderr)
        return first.returncode

    watcher = subprocess.Popen(pelican + ["--autoreload"], cwd=ROOT)
    server = subprocess.Popen(
        [sys.executable, "-m", "referrals", "dev", "--site", args.output,
         "--host", args.host, "--port", str(args.port), "--inbox-port", str(args.inbox_port)],
        cwd=ROOT,
    )
    editor = start_editor_backend(args.host, args.editor_port)
    print(f"Serving the site at http://{args.host}:{args.port}/ (Ctrl+C to stop)")
    if editor:
        print(f"Web editor: http://{args.host}:{args.port}/admin/")
    print(f"Staff inbox: http://localhost:{args.inbox_port}/ (sign-in: see docs/referrals.md, \"Trying the inbox\")")
    processes = [p for p in (server, watcher, editor) if p]
    try:
        return server.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    sys.exit(main())
