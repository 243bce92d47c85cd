"""Pages handed to one Pagefind process (``pagefind --service``) while Pelican writes them.

Pagefind's service reads requests on stdin and answers on stdout, each a base64-encoded
JSON object followed by a comma (the protocol of Pagefind's own Node and Python APIs).
It handles them one at a time, in the order sent, so the index does not depend on timing:
pages are numbered in the order they were given. We use the protocol directly rather than
the ``pagefind`` package's asyncio ``PagefindIndex``: that reads one answer every 0.1 s,
which would make 1,000 pages take 100 s.

A thread sends the pages (reading each file just written, which the page cache still
holds), another reads the answers, so Pelican never waits for Pagefind until the end.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import subprocess
import tempfile
import threading
import time
from pathlib import Path

MARKER = b"data-pagefind-body"  # Pagefind indexes only pages with this attribute (base.html sets it)
FINISH = object()


def page_url(output: Path, path: str) -> str:
    """The address Pagefind gives a written file, as its command line does: site-relative,
    with ``index.html`` left off (output/stories/x/index.html -> /stories/x/)."""
    relative = Path(path).resolve().relative_to(output.resolve()).as_posix()
    if relative == "index.html" or relative.endswith("/index.html"):
        relative = relative[: -len("index.html")]
    return "/" + relative


class PagefindFeed:
    """One index: ``add(path)`` for each written page (any thread-safe order is kept),
    then ``finish()`` writes the bundle and returns the number of pages indexed.

    ``language`` is Pagefind's ``force_language``. Raises FileNotFoundError when the
    binary cannot be started and RuntimeError (with Pagefind's own words) when it fails.
    """

    def __init__(self, binary: Path, output: Path, bundle: Path, *, language: str = "en"):
        self.output, self.bundle = output, bundle
        self._errors_file = tempfile.TemporaryFile()
        self._process = subprocess.Popen([str(binary), "--service"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=self._errors_file)
        self._pages: queue.SimpleQueue = queue.SimpleQueue()
        self._answers: dict[int, dict] = {}
        self._errors: list[str] = []
        self._arrived = threading.Condition()
        self._last_id = 0
        self._language = language
        self.sent = 0
        self.written = False
        self.timeout = 600.0
        self._receiver = threading.Thread(target=self._receive, name="pagefind-answers", daemon=True)
        self._sender = threading.Thread(target=self._send_pages, name="pagefind-pages", daemon=True)
        self._receiver.start()
        self._sender.start()

    # -- protocol
    def _post(self, payload: dict) -> int:
        self._last_id += 1
        message = {"message_id": self._last_id, "payload": payload}
        self._process.stdin.write(base64.b64encode(json.dumps(message, ensure_ascii=False).encode("utf-8")) + b",")
        self._process.stdin.flush()
        return self._last_id

    def _wait(self, message_id: int, timeout: float | None = None) -> dict:
        with self._arrived:
            if not self._arrived.wait_for(lambda: message_id in self._answers or self._process.poll() is not None,
                                          timeout=timeout):
                raise RuntimeError(f"Pagefind did not answer within {timeout:.0f} s")
            if message_id not in self._answers:
                raise RuntimeError(f"Pagefind stopped (exit status {self._process.returncode})")
            return self._answers.pop(message_id)

    def _receive(self) -> None:
        pending = b""
        stream = self._process.stdout
        while True:
            chunk = stream.read1(1 << 16)
            if not chunk:
                break
            pending += chunk
            *messages, pending = pending.split(b",")
            for raw in messages:
                answer = json.loads(base64.b64decode(raw))
                payload = answer.get("payload") or {}
                with self._arrived:
                    if payload.get("type") == "Error":
                        self._errors.append(str(payload.get("message")))
                    if answer.get("message_id") is not None and payload.get("type") != "IndexedFile":
                        self._answers[answer["message_id"]] = payload  # one page's answer is not needed
                    self._arrived.notify_all()
        with self._arrived:
            self._arrived.notify_all()

    def _send_pages(self) -> None:
        try:
            index = self._wait(self._post({"type": "NewIndex", "config": {"force_language": self._language}}))
            index_id = index["index_id"]
            while (path := self._pages.get()) is not FINISH:
                with open(path, "rb") as handle:
                    data = handle.read()
                if MARKER not in data:
                    continue  # never indexed: no need to send it
                self._post({"type": "AddFile", "index_id": index_id, "url": page_url(self.output, path),
                            "file_path": None, "file_contents": data.decode("utf-8")})
                self.sent += 1
            written = self._post({"type": "WriteFiles", "index_id": index_id,
                                   "output_path": str(self.bundle.resolve())})
            self._wait(written, self.timeout)
            self._wait_for_files()  # before closing its input: Pagefind then stops at once
            self.written = True
        except (OSError, ValueError, KeyError, RuntimeError) as error:  # a broken pipe or a dead Pagefind
            with self._arrived:
                self._errors.append(f"{type(error).__name__}: {error}")
                self._arrived.notify_all()
        finally:
            try:
                self._process.stdin.close()
            except OSError:
                pass

    def _wait_for_files(self) -> None:
        """Pagefind 1.5.2 answers WriteFiles while its last writes may still be in flight
        (fixed upstream after 1.5.2: Pagefind/pagefind#1272, "flush output files before
        they drop"), and stops at once when its input is closed, which would leave a file
        half written. A file being written is open in its process, so wait until none of
        the files it has open is in the bundle (Linux: /proc/<pid>/fd); elsewhere give it
        a moment."""
        folder = f"/proc/{self._process.pid}/fd"
        bundle = str(self.bundle.resolve()) + os.sep
        if not os.path.isdir(folder):
            time.sleep(0.5)
            return
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            open_files = []
            for fd in os.listdir(folder):
                try:
                    open_files.append(os.readlink(os.path.join(folder, fd)))
                except OSError:  # closed since the listing
                    pass
            if not any(name.startswith(bundle) for name in open_files):
                return
            time.sleep(0.005)
        raise RuntimeError(f"Pagefind was still writing its files after {self.timeout:.0f} s")

    # -- public
    def add(self, path: str) -> None:
        """Queue one written file; it is read and sent by the feeding thread."""
        self._pages.put(path)

    def finish(self) -> int:
        """Write the bundle once every queued page is indexed; the number of pages Pagefind
        indexed (those with ``data-pagefind-body``)."""
        self._pages.put(FINISH)
        self._sender.join()  # bounded: it waits for Pagefind's answer at most self.timeout
        try:
            self._process.wait(30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._receiver.join(5)
        if self._errors or not self.written or not (self.bundle / "pagefind.js").is_file():
            self._errors_file.seek(0)
            said = self._errors_file.read().decode("utf-8", "replace").strip()
            details = "; ".join(self._errors + ([said] if said else []))[-2000:]
            raise RuntimeError(f"Pagefind failed (exit status {self._process.returncode}): "
                               f"{details or 'no index was written'}")
        self._errors_file.close()
        entry = json.loads((self.bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
        return sum(language.get("page_count", 0) for language in entry.get("languages", {}).values())

    def stop(self) -> None:
        """Give up (the build failed): end Pagefind without writing anything."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait()


def html_files(output: Path) -> list[str]:
    """Every HTML file under ``output`` (but not the bundle), in a stable order."""
    found = []
    for folder, dirs, files in os.walk(output):
        dirs[:] = sorted(d for d in dirs if not (folder == str(output) and d == "pagefind"))
        found += [os.path.join(folder, name) for name in sorted(files) if name.endswith(".html")]
    return found
