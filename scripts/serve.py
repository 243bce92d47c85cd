"""`make serve`: build the site, rebuild it when content/ or theme/ changes, and serve it.

The referral service serves the built site and the form on one origin, so the
self-referral form works out of the box, and the staff inbox on its own origin
(http://localhost:8001, a domain so that passkeys work); Pelican's autoreload runs beside
it, and so does the web editor's local backend (Decap's decap-server; `make serve` runs
`npm ci` first). Each file of the site is sent with the headers the build wrote for it in
`_headers`, exactly as the live host sends them, and the editor reaches its backend
through the same origin (/admin/api/v1; referrals/dev_site.py).

The tests start the server and the editor's backend with ``site_server`` and
``editor_backend`` below, so they run exactly what `make serve` runs.
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
# Rebuilds keep Pelican's content cache, so only the files that changed are converted
# again (the first build fills it afresh), write the edited page before the rest
# (plugins/changed_first), and overwrite the output instead of emptying it first (the page
# being previewed never disappears; the first build empties it). docs/performance.md.
CACHE = ["CACHE_CONTENT=true", 'CACHE_PATH="var/cache/pelican"']
REBUILD = ["LOAD_CONTENT_CACHE=true", "WRITE_CHANGED_FIRST=true", "DELETE_OUTPUT_DIRECTORY=false"]


def editor_backend(host: str, port: int, content_root: Path = ROOT) -> tuple[list[str], dict[str, str]] | None:
    """The command and environment of Decap's local backend, which writes what volunteers
    save in /admin/ straight into ``content_root``/content/; None if it is not installed."""
    node = shutil.which("node")
    if not node or not DECAP_SERVER.exists():
        return None
    env = dict(os.environ, PORT=str(port), BIND_HOST=host, MODE="fs", GIT_REPO_DIRECTORY=str(content_root))
    return [node, str(DECAP_SERVER)], env


def site_server(output: str | Path, host: str, port: int, inbox_port: int, editor_port: int | None,
                data_dir: str | Path = "var") -> tuple[list[str], dict[str, str]]:
    """The command and environment of the server: the built site in ``output`` with its host
    headers, the referral form, /admin/api/v1 passed on to the editor's backend, and the
    staff inbox on ``inbox_port``."""
    env = dict(os.environ)
    if editor_port:
        env["OXPIP_EDITOR_BACKEND"] = f"http://{host}:{editor_port}/api/v1"
    return [sys.executable, "-m", "referrals", "dev", "--site", str(output), "--host", host,
            "--port", str(port), "--inbox-port", str(inbox_port), "--data-dir", str(data_dir)], env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--output", default="output")
    parser.add_argument("--editor-port", type=int, default=int(os.environ.get("DECAP_PORT", 8081)))
    parser.add_argument("--inbox-port", type=int, default=int(os.environ.get("INBOX_PORT", 8001)))
    args = parser.parse_args()

    pelican = [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", args.output]
    first = subprocess.run(pelican + ["-e", *CACHE, "LOAD_CONTENT_CACHE=false"], cwd=ROOT)
    if first.returncode != 0:
        print("The site did not build: see the messages above.", file=sys.stderr)
        return first.returncode

    print("\nThe site is built. Pelican now watches content/ and theme/: it builds once more from its "
          "cache (so the messages above may show again), then again each time a file is saved.\n")
    watcher = subprocess.Popen(pelican + ["--autoreload", "-e", *CACHE, *REBUILD], cwd=ROOT)
    backend = editor_backend(args.host, args.editor_port)
    if backend is None:
        print("The web editor's local backend is not installed: run `npm ci` (or `make serve`) to use /admin/.")
    editor = subprocess.Popen(backend[0], cwd=ROOT, env=backend[1]) if backend else None
    command, env = site_server(args.output, args.host, args.port, args.inbox_port,
                               args.editor_port if backend else None)
    server = subprocess.Popen(command, cwd=ROOT, env=env)
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
