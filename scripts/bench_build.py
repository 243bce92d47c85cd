"""`make bench`, build part: build speed against plain Pelican, memory, warm rebuild, edit-to-preview.

    python scripts/bench_build.py                      # everything (about 15 minutes on 2 cores)
    python scripts/bench_build.py --stories 1000 --corpora pictures --parts speed   # one row
    python scripts/bench_build.py --stories 250 1000   # smaller corpora only
    python scripts/bench_build.py --parts profile --profile --stories 1000

Parts:
- speed: two corpora (scripts/synthetic_corpus.py) of 250, 1,000 and 4,000 stories:
  ``synthetic`` (made-up text-only stories) and ``pictures`` (the real content/ with its
  stories copied to N, a third of them showing a picture). Each is built by a fresh
  `python -m pelican` process (through scripts/bench_child.py) twice over: with plain
  Pelican (default theme, no plugins, default settings; only the paths point at the same
  files) and with this site's full configuration (pelicanconf.py as it is, every plugin).
  Wall seconds; CPU seconds of everything and of the build process alone (the critical
  path: build workers and Pagefind run on the other cores); peak memory of the build
  process and of the largest program it ran; full/plain ratios. Builds are repeated (best
  kept) only while they are quick, and 4,000 stories is skipped, with the reason, when it
  would not fit the time budget. Then how each peak grows per story.
- warm: the same at 1,000 stories (fewer if a full build there takes over a minute) with
  Pelican's content cache on: a cold build that fills the caches, then one story changed
  and rebuilt (best of 3).
- preview: edit-to-preview through `make serve` (scripts/serve.py) on a copy of the project
  in a temp folder, with the real content/ and with 1,000 synthetic stories in its place:
  a unique marker saved into a story, the served page polled until the marker shows.
  Median of 3.
- profile: when the full site is over the target (1.25x plain at 1,000 stories) on a
  corpus, or with --profile: both builds of that corpus at 1,000 stories again with a
  stopwatch on each stage and each plugin's signal handlers (cheap, so the figures are real
  seconds, and each stage's effect on peak memory); Markdown alone with each extension the
  site adds taken out; and a cProfile of the full build at 250 stories
  (var/bench/full-250.prof).

Last, a table of the targets with what this run measured.
Tables go to stdout, the same figures to var/bench/build.json.
"""

from __future__ import annotations

import argparse
import copy
import http.client
import json
import os
import platform
import pstats
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
VAR = ROOT / "var" / "bench"
PY = sys.executable
TARGET_RATIO = 1.25
TARGET_STORIES = 1000

sys.path.insert(0, str(SCRIPTS))
from synthetic_corpus import KINDS, make_corpus  # noqa: E402

CORPORA = {  # what each corpus is, for the tables
    "synthetic": "text only: made-up stories",
    "pictures": "content/ with its stories copied to N (a third show a picture)",
}
MEMORY_TARGET = 1.5  # full/plain peak memory at the largest corpus
WARM_TARGET = 1.5  # full/plain warm rebuild
PREVIEW_TARGET = 1.0  # seconds, edit-to-preview at 1,000 stories

# Copied into the preview project: everything but these (big, generated or not needed).
PROJECT_IGNORE = {".git", ".venv", "node_modules", "output", "var", "screenshots",
                  ".pytest_cache", "__pycache__", "tests", "bench", ".ci"}


# --------------------------------------------------------------------------- helpers

FIGURE = re.compile(r"^(?:[-+]?[\d.,/]+(?:x| ?s| ?kB| ?MB|%)?|-|error|FAILED)$")


def table(title: str, headers: list[str], rows: list[list], notes: list[str] = ()) -> str:
    """A plain-text table: figures right-aligned, words left-aligned."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    right = [i > 0 and all(FIGURE.match(row[i]) for row in cells[1:] if row[i]) for i in range(len(headers))]

    def line(row):
        return "  ".join(c.rjust(w) if right[i] else c.ljust(w)
                         for i, (c, w) in enumerate(zip(row, widths))).rstrip()

    out = [title, "=" * len(title), line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells[1:]]
    out += [f"  {n}" for n in notes]
    return "\n".join(out) + "\n"


def write_json(name: str, data: dict) -> Path:
    VAR.mkdir(parents=True, exist_ok=True)
    path = VAR / name
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment() -> dict:
    import markdown
    import pelican
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                                 capture_output=True, text=True).stdout.strip()
        if commit and changed:  # what was measured is not what the commit holds
            commit += f" with uncommitted changes to {len(changed.splitlines())} files"
    except OSError:
        commit = ""
    return {
        "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "commit": commit,
        "python": platform.python_version(),
        "pelican": pelican.__version__,
        "markdown": markdown.__version__,
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def site_settings(settings_file: Path = ROOT / "pelicanconf.py") -> dict:
    from pelican.settings import read_settings
    return read_settings(str(settings_file))


def run_child(cmd: list[str], log: Path, cwd: Path = ROOT, env: dict | None = None,
              timeout: float = 900) -> dict:
    """Run one fresh process; wall seconds and that child's own peak RSS (wait4)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    child_env = dict(os.environ, COLUMNS="200", **(env or {}))
    with open(log, "wb") as handle:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, env=child_env)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    text = log.read_text(encoding="utf-8", errors="replace")
    return {
        "seconds": round(seconds, 3),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 3),  # with its reaped children
        "peak_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: KiB
        "returncode": code,
        "warnings": len(re.findall(r"\bWARNING\b", text)),
        "errors": len(re.findall(r"\b(?:ERROR|CRITICAL)\b", text)),
        "log": str(log),
    }


def run_build(cmd: list[str], log: Path, cwd: Path = ROOT, env: dict | None = None) -> dict:
    """`cmd` is a `python -m pelican ...` command: run it through scripts/bench_child.py, so
    the build process's own CPU and peak memory are told apart from the programs it runs
    (build workers, Pagefind). ``peak_mb`` stays the largest of them all (wait4)."""
    report = log.with_suffix(".json")
    report.unlink(missing_ok=True)
    result = run_child([PY, str(SCRIPTS / "bench_child.py"), str(report), "--"] + cmd[3:], log, cwd, env)
    try:
        result |= json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        result |= {"own_cpu_seconds": result["cpu_seconds"], "own_peak_mb": result["peak_mb"],
                   "programs_cpu_seconds": 0.0, "programs_peak_mb": 0.0}
    return result


def count_pages(output: Path) -> int:
    return sum(1 for _ in output.rglob("*.html"))


# --------------------------------------------------------------------------- the two configurations

def plain_settings(work: Path, corpus: Path, extra: str = "") -> Path:
    """Plain Pelican: default theme and settings, no plugins; only the paths are set so it
    reads the same files. A page that names a template the default theme lacks (home,
    services) gets a one-line stand-in extending page.html, so the build can finish."""
    overrides = work / "plain-templates"
    overrides.mkdir(parents=True, exist_ok=True)
    for folder, base in (("pages", "page.html"), ("services", "page.html"),
                         ("stories", "article.html"), ("news", "article.html")):
        for source in (corpus / folder).glob("*.md"):
            with open(source, encoding="utf-8") as handle:
                for text in handle:
                    if not text.strip():
                        break
                    key, _, value = text.partition(":")
                    if key.strip().lower() == "template" and value.strip():
                        (overrides / f"{value.strip()}.html").write_text(
                            f'{{% extends "{base}" %}}\n', encoding="utf-8")
    path = work / "plain_settings.py"
    path.write_text(
        "# Plain Pelican for the benchmark baseline: defaults except where the files are.\n"
        f"PATH = {str(corpus)!r}\n"
        "ARTICLE_PATHS = ['stories', 'news']\n"
        "PAGE_PATHS = ['pages', 'services']\n"
        "STATIC_PATHS = ['images']\n"
        f"THEME_TEMPLATES_OVERRIDES = [{str(overrides)!r}]\n" + extra,
        encoding="utf-8",
    )
    return path


def plain_cmd(work: Path, corpus: Path, output: Path, extra: str = "") -> list[str]:
    return [PY, "-m", "pelican", str(corpus), "-s", str(plain_settings(work, corpus, extra)),
            "-o", str(output)]


def full_cmd(corpus: Path, output: Path, overrides: dict | None = None) -> list[str]:
    settings = {"DATA_PATH": str(corpus / "data")} | (overrides or {})
    cmd = [PY, "-m", "pelican", str(corpus), "-s", str(ROOT / "pelicanconf.py"), "-o", str(output)]
    if settings:
        cmd += ["-e"] + [f"{k}={json.dumps(v)}" for k, v in settings.items()]
    return cmd


def cache_overrides(cache: Path) -> dict:
    return {"CACHE_CONTENT": True, "LOAD_CONTENT_CACHE": True, "CACHE_PATH": str(cache)}


# --------------------------------------------------------------------------- speed

REPEAT_UNDER = 60.0  # a configuration is built a second time only when its first build took less


def measure_speed(work: Path, sizes: list[int], runs: int, budget: float,
                  corpora: list[str] = ("synthetic", "pictures")) -> list[dict]:
    """Build each corpus with both configurations (interleaved, so drift hits both alike).

    Corpora up to 1,000 stories are built `runs` times when a build takes under 30 s (the
    best run is kept); larger ones once, and only when the time the last corpus of that
    kind took, scaled by size, fits in what is left of `budget` seconds (else the row says
    why). The full site's caches (reading grades, picture sizes) are filled by an untimed
    build first, as they are on a volunteer's machine after the first build."""
    rows = []
    began = time.perf_counter()
    for kind in corpora:
        per_story = None  # seconds per story of both builds together, from the last corpus
        for stories in sizes:
            if stories > TARGET_STORIES and per_story is not None:
                predicted = per_story * stories
                left = budget - (time.perf_counter() - began)
                if predicted > left:
                    reason = (f"skipped: both builds would take about {predicted:.0f} s, "
                              f"{max(left, 0):.0f} s of the {budget:.0f} s budget left (--budget to raise it)")
                    print(f"  {kind} {stories:>5} stories  {reason}", flush=True)
                    rows.append({"corpus": kind, "stories": stories, "skipped": reason})
                    continue
            corpus = KINDS[kind](work / kind / f"corpus-{stories}" / "content", stories)
            # Not timed: the full site's first build of a new corpus fills its caches (reading
            # grades, picture sizes and facts), as a volunteer's first `make html` does once.
            warm_up = run_build(full_cmd(corpus, work / kind / "out-warm-up"),
                                VAR / "logs" / f"{kind}-full-{stories}-warm-up.log")
            shutil.rmtree(work / kind / "out-warm-up", ignore_errors=True)
            print(f"  {kind:<9} {stories:>5} stories  full  warm-up (fills the caches, not counted): "
                  f"{warm_up['seconds']:.2f} s, CPU {warm_up['cpu_seconds']:.2f} s", flush=True)
            results = {"plain": [], "full": []}
            wanted = runs if stories <= TARGET_STORIES else 1
            for attempt in range(wanted):
                if attempt and max(r[-1]["seconds"] for r in results.values()) >= REPEAT_UNDER:
                    break
                for config in ("plain", "full"):
                    output = work / kind / f"out-{config}-{stories}"
                    shutil.rmtree(output, ignore_errors=True)
                    cmd = (plain_cmd(work, corpus, output) if config == "plain"
                           else full_cmd(corpus, output))
                    result = run_build(cmd, VAR / "logs" / f"{kind}-{config}-{stories}-{attempt + 1}.log")
                    result["pages"] = count_pages(output)
                    results[config].append(result)
                    print(f"  {kind:<9} {stories:>5} stories  {config:<5} run {attempt + 1}: "
                          f"{result['seconds']:.2f} s, CPU {result['cpu_seconds']:.2f} s (build process "
                          f"{result['own_cpu_seconds']:.2f}), {result['pages']} pages, {result['own_peak_mb']:.0f} MB"
                          + (f" (programs {result['programs_peak_mb']:.0f} MB)" if result["programs_peak_mb"] else "")
                          + ("" if result["returncode"] == 0 else f"  FAILED ({result['log']})"), flush=True)
            row = {"corpus": kind, "stories": stories, "runs": len(results["full"])}
            for config, items in results.items():
                best = min(items, key=lambda r: r["seconds"])
                row[config] = best | {
                    "all_seconds": [r["seconds"] for r in items],
                    "best_cpu_seconds": min(r["cpu_seconds"] for r in items),
                    "best_own_cpu_seconds": min(r["own_cpu_seconds"] for r in items),
                    "own_peak_mb": max(r["own_peak_mb"] for r in items),
                    "programs_peak_mb": max(r["programs_peak_mb"] for r in items),
                    "peak_mb": max(r["peak_mb"] for r in items),
                    "pages_per_second": round(best["pages"] / best["seconds"], 1),
                    "ok": all(r["returncode"] == 0 for r in items),
                }
            plain, full = row["plain"], row["full"]
            row["ratio"] = round(full["seconds"] / plain["seconds"], 2)
            row["cpu_ratio"] = round(full["best_cpu_seconds"] / plain["best_cpu_seconds"], 2)
            row["own_cpu_ratio"] = round(full["best_own_cpu_seconds"] / plain["best_own_cpu_seconds"], 2)
            row["memory_ratio"] = round(full["peak_mb"] / plain["peak_mb"], 2)
            row["own_memory_ratio"] = round(full["own_peak_mb"] / plain["own_peak_mb"], 2)
            per_story = (full["seconds"] + plain["seconds"]) / stories
            rows.append(row)
            for config in ("plain", "full"):
                shutil.rmtree(work / kind / f"out-{config}-{stories}", ignore_errors=True)
    return rows


def memory_growth(rows: list[dict]) -> list[dict]:
    """For each corpus and configuration measured at two sizes or more: how much the peak
    grows per story between the smallest and the largest corpus (kB per story), for the
    build process and for the largest program it ran."""
    found = []
    for kind in dict.fromkeys(r["corpus"] for r in rows):
        done = sorted((r for r in rows if r["corpus"] == kind and "full" in r), key=lambda r: r["stories"])
        if len(done) < 2:
            continue
        small, large = done[0], done[-1]
        span = large["stories"] - small["stories"]
        for config in ("plain", "full"):
            found.append({
                "corpus": kind, "config": config, "from": small["stories"], "to": large["stories"],
                "own_kb_per_story": round((large[config]["own_peak_mb"] - small[config]["own_peak_mb"]) * 1024 / span, 1),
                "programs_kb_per_story": round((large[config]["programs_peak_mb"] - small[config]["programs_peak_mb"])
                                               * 1024 / span, 1),
                "own_peak_mb": large[config]["own_peak_mb"], "programs_peak_mb": large[config]["programs_peak_mb"],
            })
    return found


def speed_table(rows: list[dict]) -> str:
    lines = []
    for row in rows:
        if "skipped" in row:
            lines.append([row["corpus"], f"{row['stories']:,}", "skipped (see below)"] + [""] * 9)
            continue
        for config in ("plain", "full"):
            r = row[config]
            first = config == "plain"
            lines.append([
                row["corpus"] if first else "", f"{row['stories']:,}" if first else "",
                "plain Pelican" if first else "full site",
                r["pages"], f"{r['seconds']:.2f}", f"{r['best_cpu_seconds']:.2f}", f"{r['best_own_cpu_seconds']:.2f}",
                f"{r['own_peak_mb']:.0f}", f"{r['programs_peak_mb']:.0f}" if r["programs_peak_mb"] else "",
                "" if first else f"{row['ratio']:.2f}x / {row['cpu_ratio']:.2f}x / {row['own_cpu_ratio']:.2f}x",
                "" if first else f"{row['memory_ratio']:.2f}x / {row['own_memory_ratio']:.2f}x",
                (r["warnings"] if r["ok"] else "FAILED"),
            ])
    done = [r for r in rows if "skipped" not in r]
    runs = ", ".join(sorted({f"{r['stories']:,}: {r['runs']}" for r in done}))
    notes = [f"wall s: a fresh `python -m pelican` process, start to end, best of the runs ({runs}); "
             "CPU s: its user+sys time with the processes it ran (build workers, Pagefind); "
             "build CPU s: the build process alone (the critical path on an idle machine, as the "
             "workers and Pagefind run on the other cores); MB: peak resident memory of the build "
             "process and of the largest program it ran (Pagefind, a build worker)",
             "time: full/plain wall / all CPU / build-process CPU; memory: full/plain peak of any "
             "process / of the build process"]
    notes += [f"{r['corpus']} {r['stories']:,} stories {r['skipped']}" for r in rows if "skipped" in r]
    return table("Build speed: plain Pelican against the full site",
                 ["corpus", "stories", "build", "pages", "wall s", "CPU s", "build CPU s", "build MB",
                  "programs MB", "time", "memory", "warnings"], lines, notes)


def growth_table(growth: list[dict]) -> str:
    if not growth:
        return ""
    rows = [[g["corpus"], "plain Pelican" if g["config"] == "plain" else "full site",
             f"{g['from']:,} -> {g['to']:,}", f"{g['own_kb_per_story']:.1f}",
             f"{g['programs_kb_per_story']:.1f}" if g["programs_peak_mb"] else "",
             f"{g['own_peak_mb']:.0f}", f"{g['programs_peak_mb']:.0f}" if g["programs_peak_mb"] else ""]
            for g in growth]
    return table("Memory per story: how the peak grows with the site",
                 ["corpus", "build", "stories", "build kB/story", "programs kB/story", "build MB", "programs MB"],
                 rows, ["kB/story: (peak at the largest corpus - peak at the smallest) / stories added; "
                        "a regression shows as a larger figure here before it shows in a CI runner's memory"])


# --------------------------------------------------------------------------- warm rebuild

def touch_story(corpus: Path, note: str) -> Path:
    story = sorted((corpus / "stories").glob("*.md"))[len(list((corpus / "stories").glob("*.md"))) // 2]
    with open(story, "a", encoding="utf-8") as handle:
        handle.write(f"\n{note}\n")
    return story


WARM_TRIALS = 3


def measure_warm(work: Path, stories: int) -> dict:
    """Both configurations with Pelican's content cache on: one build to fill the caches,
    then WARM_TRIALS times (interleaved) a line added to one story and the same build again;
    the best warm run of each is kept."""
    result: dict = {"stories": stories}
    commands = {}
    for config in ("plain", "full"):
        corpus = make_corpus(work / "warm" / config / "content", stories)
        output = work / "warm" / config / "output"
        cache = work / "warm" / config / "pelican-cache"
        shutil.rmtree(cache, ignore_errors=True)
        if config == "plain":
            extra = ("CACHE_CONTENT = True\nLOAD_CONTENT_CACHE = True\n"
                     f"CACHE_PATH = {str(cache)!r}\n")
            cmd = plain_cmd(work, corpus, output, extra)
        else:
            cmd = full_cmd(corpus, output, cache_overrides(cache))
        commands[config] = (corpus, output, cmd)
        result[config] = {"cold": run_build(cmd, VAR / "logs" / f"warm-{config}-cold.log"), "warm_runs": []}
    for trial in range(WARM_TRIALS):
        for config, (corpus, output, cmd) in commands.items():
            touch_story(corpus, f"One more line, changed for the warm rebuild benchmark ({trial + 1}).")
            time.sleep(0.05)
            warm = run_build(cmd, VAR / "logs" / f"warm-{config}-warm-{trial + 1}.log")
            warm["pages"] = count_pages(output)
            result[config]["warm_runs"].append(warm)
            print(f"  {stories:>5} stories  {config:<5} cache: cold {result[config]['cold']['seconds']:.2f} s, "
                  f"one file changed {warm['seconds']:.2f} s (build CPU {warm['own_cpu_seconds']:.2f} s)", flush=True)
    for config, (corpus, output, cmd) in commands.items():
        result[config]["warm"] = min(result[config]["warm_runs"], key=lambda r: r["seconds"])
        shutil.rmtree(output, ignore_errors=True)
    result["ratio"] = round(result["full"]["warm"]["seconds"] / result["plain"]["warm"]["seconds"], 2)
    result["own_cpu_ratio"] = round(result["full"]["warm"]["own_cpu_seconds"]
                                    / result["plain"]["warm"]["own_cpu_seconds"], 2)
    return result


def warm_table(warm: dict) -> str:
    rows = []
    for config, label in (("plain", "plain Pelican"), ("full", "full site")):
        cold, hot = warm[config]["cold"], warm[config]["warm"]
        rows.append([label, f"{cold['seconds']:.2f}", f"{hot['seconds']:.2f}", f"{hot['cpu_seconds']:.2f}",
                     f"{hot['own_cpu_seconds']:.2f}", f"{hot['seconds'] / cold['seconds']:.0%}",
                     "" if config == "plain" else f"{warm['ratio']:.2f}x / {warm['own_cpu_ratio']:.2f}x"])
    return table(f"Warm rebuild with Pelican's content cache ({warm['stories']:,} stories, one story changed)",
                 ["build", "cold s", "warm s", "warm CPU s", "warm build CPU s", "warm/cold", "full/plain"], rows,
                 ["cold: empty caches (CACHE_CONTENT and LOAD_CONTENT_CACHE on); warm: the same command "
                  f"again after appending a line to one story, best of {WARM_TRIALS}",
                  "full/plain: wall / build-process CPU; target: at most "
                  f"{WARM_TARGET}x plain Pelican's warm rebuild"])


# --------------------------------------------------------------------------- edit-to-preview

class Served:
    """A preview server started from a copy of the project, its output read in a thread."""

    def __init__(self, cmd: list[str], cwd: Path, log: Path):
        self.log = open(log, "w", encoding="utf-8")
        self.builds = 0
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=dict(os.environ, COLUMNS="200"),
                                     start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for text in self.proc.stdout:
            self.log.write(text)
            self.log.flush()
            if "Done: Processed" in text:
                self.builds += 1

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGINT)
                self.proc.wait(timeout=10)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        self.log.close()


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError):
        return None  # not up yet, or a page caught while it was being rewritten


def wait_until(predicate, timeout: float, step: float = 0.02) -> float | None:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if predicate():
            return time.perf_counter() - start
        time.sleep(step)
    return None


def story_url(project: Path, output: Path, story: Path) -> str:
    slug = story.stem
    for text in story.read_text(encoding="utf-8").splitlines():
        if not text.strip():
            break
        if text.lower().startswith("slug:"):
            slug = text.split(":", 1)[1].strip()
    found = sorted(output.glob(f"**/{slug}/index.html"))
    if not found:
        raise RuntimeError(f"the story {story.name} was not built into {output}")
    return "/" + found[0].parent.relative_to(output).as_posix() + "/"


def measure_preview(work: Path, trials: int = 3, stories: int | None = None) -> dict:
    """Edit-to-preview through `make serve` on a copy of the project: the real content, or
    (``stories``) the synthetic corpus of that size in its place."""
    project = work / f"preview-project-{stories or 'real'}"
    shutil.rmtree(project, ignore_errors=True)
    shutil.copytree(ROOT, project, ignore=lambda d, names: [n for n in names if n in PROJECT_IGNORE],
                    symlinks=True)
    if stories:
        make_corpus(project / "content", stories)
    output = project / "output"
    port = free_port()
    modes = []
    if (project / "referrals" / "__main__.py").exists():
        modes.append(("make serve (scripts/serve.py: Pelican --autoreload + python -m referrals dev)",
                      [PY, "scripts/serve.py", "--port", str(port), "--output", "output"], 2))
    modes.append(("pelican --autoreload --listen (python -m referrals dev is not available yet)"
                  if not modes else "pelican --autoreload --listen (fallback: make serve did not serve)",
                  [PY, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", "output",
                   "--autoreload", "--listen", "--port", str(port), "--bind", "127.0.0.1"], 1))
    story = sorted((project / "content" / "stories").glob("*.md"))[0]
    original = story.read_text(encoding="utf-8")
    base = f"http://127.0.0.1:{port}"
    for index, (mode, cmd, initial_builds) in enumerate(modes):
        served = Served(cmd, project, VAR / "logs" / f"preview-{stories or 'real'}-{index + 1}.log")
        try:
            up = wait_until(lambda: served.builds >= initial_builds and fetch(base + "/") is not None, 600, 0.1)
            if up is None:
                print(f"  preview: {mode} did not serve within 600 s (log: {served.log.name})", flush=True)
                continue
            url = base + story_url(project, output, story)
            times = []
            for trial in range(trials + 1):  # the first edit warms up and is not counted
                marker = f"bench-marker-{uuid.uuid4().hex[:12]}"
                builds = served.builds
                story.write_text(original + f"\nPreview check {marker}.\n", encoding="utf-8")
                saved = time.perf_counter()
                seen = wait_until(lambda: marker in (fetch(url) or ""), 60)
                if seen is None:
                    raise RuntimeError(f"the marker never showed at {url} ({mode})")
                seconds = time.perf_counter() - saved
                if trial:
                    times.append(round(seconds, 3))
                    print(f"  preview ({stories or 'real'} stories): edit {trial}: {seconds:.2f} s", flush=True)
                wait_until(lambda: served.builds > builds, 300)
                time.sleep(0.5)
            return {"mode": mode, "url": url, "seconds": times, "stories": stories,
                    "median_seconds": round(statistics.median(times), 3)}
        finally:
            served.stop()
            story.write_text(original, encoding="utf-8")
    return {"mode": "none", "error": "no preview server could be started"}


def preview_table(previews: list[dict]) -> str:
    rows, notes = [], []
    for preview in previews:
        site = f"{preview['stories']:,} stories" if preview.get("stories") else "the real content/"
        if "median_seconds" not in preview:
            rows.append([site, preview.get("error", "not measured"), "", ""])
            continue
        rows.append([site, preview["mode"], f"{preview['median_seconds']:.2f}",
                     ", ".join(f"{s:.2f}" for s in preview["seconds"])])
        notes.append(f"{site}: page polled every 20 ms: {preview['url']}")
    notes.append(f"target: under {PREVIEW_TARGET:g} s on a {TARGET_STORIES:,}-story site")
    return table("Edit-to-preview: story saved -> rebuilt page served", ["site", "server", "median s", "each s"],
                 rows, notes)


# --------------------------------------------------------------------------- profile

def _plugin_of(filename: str) -> str | None:
    plugins = str(ROOT / "plugins") + os.sep
    if filename.startswith(plugins):
        return filename[len(plugins):].split(os.sep, 1)[0]
    return None


def analyse_profile(path: Path) -> dict:
    stats = pstats.Stats(str(path))
    entries = stats.stats  # (file, line, name) -> (cc, nc, tt, ct, callers)
    total = max(ct for (_, _, _, ct, _) in entries.values())

    def cumulative(file_end: str, name: str) -> float:
        return sum(v[3] for k, v in entries.items() if k[0].endswith(file_end) and k[2] == name)

    plugins: dict[str, float] = {}
    for (filename, line, name), (cc, nc, tt, ct, callers) in entries.items():
        plugin = _plugin_of(filename)
        if plugin is None:
            continue
        # Time spent in this plugin's functions when called from outside the plugin:
        # its signal handlers and the helpers other code calls, with all they call.
        for caller, (_, _, _, caller_ct) in callers.items():
            if _plugin_of(caller[0]) != plugin:
                plugins[plugin] = plugins.get(plugin, 0.0) + caller_ct
    top = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)[:15]
    stages = {
        "read files (readers, Markdown included)": cumulative("pelican/readers.py", "read_file"),
        "Markdown: convert": cumulative("markdown/core.py", "convert"),
        "Markdown: make a new Markdown() per file": cumulative("markdown/core.py", "__init__"),
        "Jinja: render templates": cumulative("jinja2/environment.py", "render"),
        "write pages (render + write)": cumulative("pelican/writers.py", "write_file"),
        "signals: all plugin handlers": cumulative("blinker/base.py", "send"),
    }
    return {
        "profile": str(path),
        "total_seconds": round(total, 2),
        "stages": {k: round(v, 2) for k, v in stages.items()},
        "plugins": {k: round(v, 3) for k, v in sorted(plugins.items(), key=lambda kv: -kv[1])},
        "top_self_time": [
            {"function": f"{os.path.relpath(k[0], ROOT) if k[0].startswith(str(ROOT)) else k[0]}:{k[1]}({k[2]})",
             "calls": v[1], "self_seconds": round(v[2], 2), "cumulative_seconds": round(v[3], 2)}
            for k, v in top
        ],
    }


def timed_build(out: Path, pelican_args: list[str]) -> int:
    """Run Pelican in this process with a stopwatch on each stage and each plugin's signal
    handlers (exclusive time: a handler running inside a stage is not counted twice).
    Only a few thousand timer calls, so unlike cProfile it hardly slows the build."""
    import functools

    import blinker.base
    import pelican
    from pelican import readers, writers

    import resource

    totals: dict[str, list] = {}
    stack: list[list] = []

    def peak() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MB (Linux: KiB)

    def wrap(fn, label):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            # [label, wall start, children's wall, CPU start, children's CPU,
            #  peak before, children's peak growth]
            stack.append([label, time.perf_counter(), 0.0, time.process_time(), 0.0, peak(), 0.0])
            try:
                return fn(*args, **kwargs)
            finally:
                name, began, children, cpu_began, cpu_children, before, children_growth = stack.pop()
                elapsed = time.perf_counter() - began
                cpu = time.process_time() - cpu_began
                growth = peak() - before  # how far this call pushed the process's peak memory
                entry = totals.setdefault(name, [0.0, 0.0, 0, 0.0, 0.0])
                entry[0] += elapsed
                entry[1] += elapsed - children
                entry[2] += 1
                entry[3] += growth - children_growth
                entry[4] += cpu - cpu_children
                if stack:
                    stack[-1][2] += elapsed
                    stack[-1][4] += cpu
                    stack[-1][6] += growth
        return inner

    readers.MarkdownReader.read = wrap(readers.MarkdownReader.read, "Markdown: read and convert files")
    readers.Readers.read_file = wrap(readers.Readers.read_file, "Pelican: metadata and content objects")
    writers.Writer.write_file = wrap(writers.Writer.write_file, "Jinja: render and write pages")
    writers.Writer.write_feed = wrap(writers.Writer.write_feed, "Pelican: write feeds")
    original = blinker.base.Signal.receivers_for

    def receivers_for(self, sender):
        for receiver in original(self, sender):
            module = (getattr(receiver, "__module__", None) or "?").split(".")[0]
            yield wrap(receiver, f"plugin {module}: {self.name}")

    blinker.base.Signal.receivers_for = receivers_for
    began = time.perf_counter()
    cpu_began = time.process_time()
    start_peak = peak()
    code = 0
    try:
        pelican.main(pelican_args)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    total = time.perf_counter() - began
    total_cpu = time.process_time() - cpu_began
    try:  # the build workers live on after the build: stop them so their CPU is counted
        import build_workers

        build_workers.shutdown()
    except ImportError:
        pass
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    out.write_text(json.dumps({
        "total": total,
        "total_cpu": total_cpu,
        "programs_cpu": children.ru_utime + children.ru_stime,
        "programs_peak_mb": children.ru_maxrss / 1024,
        "returncode": code,
        "start_peak_mb": start_peak,
        "end_peak_mb": peak(),
        "stages": {k: {"inclusive": v[0], "exclusive": v[1], "calls": v[2], "peak_growth_mb": v[3],
                       "exclusive_cpu": v[4]} for k, v in totals.items()},
    }), encoding="utf-8")
    return code


def run_timed(cmd: list[str], name: str) -> dict:
    """`cmd` is a `python -m pelican ...` command; run it under timed_build in a fresh process."""
    out = VAR / f"timed-{name}.json"
    out.unlink(missing_ok=True)
    child = run_child([PY, str(Path(__file__).resolve()), "--timed-build", str(out), "--"] + cmd[3:],
                      VAR / "logs" / f"timed-{name}.log")
    if not out.exists():
        return {"ok": False, "log": child["log"]}
    data = json.loads(out.read_text(encoding="utf-8"))
    stages: dict[str, float] = {}  # exclusive CPU seconds (steadier than wall time on a busy machine)
    walls: dict[str, float] = {}
    memory: dict[str, float] = {}
    plugins: dict[str, dict] = {}
    for label, value in data["stages"].items():
        if label.startswith("plugin "):
            plugin, signal_name = label[len("plugin "):].split(": ", 1)
            entry = plugins.setdefault(plugin, {"seconds": 0.0, "wall_seconds": 0.0, "peak_growth_mb": 0.0,
                                                "signals": {}})
            entry["seconds"] += value["exclusive_cpu"]
            entry["wall_seconds"] += value["exclusive"]
            entry["peak_growth_mb"] += value["peak_growth_mb"]
            entry["signals"][signal_name] = round(value["exclusive_cpu"], 3)
        else:
            stages[label] = value["exclusive_cpu"]
            walls[label] = value["exclusive"]
            memory[label] = value["peak_growth_mb"]
    other = "Pelican: everything else (generators, URLs, static files)"
    stages[other] = data["total_cpu"] - sum(stages.values()) - sum(p["seconds"] for p in plugins.values())
    walls[other] = data["total"] - sum(walls.values()) - sum(p["wall_seconds"] for p in plugins.values())
    memory[other] = (data["end_peak_mb"] - data["start_peak_mb"]
                     - sum(memory.values()) - sum(p["peak_growth_mb"] for p in plugins.values()))
    programs = "other processes: build workers (Markdown, grades, pictures) and Pagefind"
    if data["programs_cpu"] >= 0.005:
        stages[programs] = data["programs_cpu"]
    startup = "Python start-up, imports and exit"
    stages[startup] = child["cpu_seconds"] - data["total_cpu"] - data["programs_cpu"]
    walls[startup] = child["seconds"] - data["total"]
    memory[startup] = data["start_peak_mb"]
    return {
        "ok": data["returncode"] == 0 and child["returncode"] == 0,
        "wall_seconds": child["seconds"],
        "cpu_seconds": child["cpu_seconds"],
        "peak_mb": child["peak_mb"],  # the largest of the process and the programs it ran
        "python_peak_mb": round(data["end_peak_mb"], 1),
        "programs_peak_mb": round(data.get("programs_peak_mb", 0), 1),
        "stages": {k: round(v, 3) for k, v in stages.items()},
        "stage_wall_seconds": {k: round(v, 3) for k, v in walls.items()},
        "stage_peak_growth_mb": {k: round(v, 1) for k, v in memory.items()},
        "plugins": {k: {"seconds": round(v["seconds"], 3), "wall_seconds": round(v["wall_seconds"], 3),
                        "peak_growth_mb": round(v["peak_growth_mb"], 1), "signals": v["signals"]}
                    for k, v in sorted(plugins.items(), key=lambda kv: -kv[1]["seconds"])},
        "log": child["log"],
    }


def markdown_costs(corpus: Path) -> dict:
    """Seconds to convert every Markdown file of the corpus with the site's MARKDOWN
    setting, with each extension it adds beyond Pelican's defaults taken out, and with
    Pelican's default setting (what the plain build uses). In-process, best of 2."""
    import markdown
    from pelican.settings import DEFAULT_CONFIG

    def config_of(setting: dict) -> dict:
        setting = copy.deepcopy(setting)
        configs = setting.get("extension_configs", {})
        extensions = list(setting.get("extensions", [])) + [e for e in configs if e not in setting.get("extensions", [])]
        if "markdown.extensions.meta" not in extensions:
            extensions.append("markdown.extensions.meta")  # Pelican's reader always adds it
        return {"extensions": extensions, "extension_configs": configs,
                "output_format": setting.get("output_format", "html5")}

    site = site_settings()["MARKDOWN"]
    default = DEFAULT_CONFIG["MARKDOWN"]
    texts = [path.read_text(encoding="utf-8") for path in sorted(corpus.rglob("*.md"))]
    variants = [("the site's MARKDOWN setting", site)]
    extras = [name for name in site.get("extension_configs", {}) if name not in default["extension_configs"]]
    for name in extras:
        variant = copy.deepcopy(site)
        del variant["extension_configs"][name]
        variants.append((f"  without {name.rsplit('.', 1)[-1]}", variant))
    variants.append(("Pelican's default (the plain build)", default))
    configs = [config_of(setting) for _, setting in variants]
    best: list[float | None] = [None] * len(variants)
    for _ in range(2):  # rounds interleave the variants, so a busy spell hits them alike
        for index, config in enumerate(configs):
            began = time.process_time()  # CPU time: other processes on the machine do not count
            for text in texts:  # like Pelican: a new Markdown() for every file
                markdown.Markdown(**config).convert(text)
            seconds = time.process_time() - began
            best[index] = seconds if best[index] is None else min(best[index], seconds)
    results = [{"variant": label.strip(), "indent": label.startswith(" "),
                "extensions": config["extensions"], "cpu_seconds": round(seconds, 3)}
               for (label, _), config, seconds in zip(variants, configs, best)]
    return {"files": len(texts), "variants": results}


def measure_profile(work: Path, stories: int, profile_stories: int, kind: str = "synthetic",
                    cprofile: bool = True) -> dict:
    """The stopwatch on both builds of one corpus (the speed part's, so the full site's
    caches are warm as in its rows; a new corpus gets one build first to warm them), then
    Markdown alone and a cProfile of the full build at ``profile_stories``."""
    corpus = work / kind / f"corpus-{stories}" / "content"
    if not corpus.is_dir():
        KINDS[kind](corpus, stories)
        run_build(full_cmd(corpus, work / "out-warm-up"), VAR / "logs" / f"profile-{kind}-warm-up.log")
        shutil.rmtree(work / "out-warm-up", ignore_errors=True)
    result: dict = {"stories": stories, "corpus": kind}
    for config in ("plain", "full"):
        output = work / f"out-timed-{config}"
        shutil.rmtree(output, ignore_errors=True)
        cmd = plain_cmd(work, corpus, output) if config == "plain" else full_cmd(corpus, output)
        result[f"timed_{config}"] = run_timed(cmd, f"{kind}-{config}-{stories}")
        print(f"  timed {config} build of the {kind} corpus at {stories:,} stories: "
              f"{result[f'timed_{config}'].get('wall_seconds', 0):.2f} s", flush=True)
        shutil.rmtree(output, ignore_errors=True)
    if not cprofile:
        return result
    small = make_corpus(work / f"corpus-cprofile-{profile_stories}", profile_stories)
    result["markdown"] = markdown_costs(small)
    print(f"  Markdown costs measured on {result['markdown']['files']} files", flush=True)
    output = work / "out-profile"
    prof = VAR / f"full-{profile_stories}.prof"
    child = run_child([PY, "-m", "cProfile", "-o", str(prof)] + full_cmd(small, output)[1:],
                      VAR / "logs" / "cprofile.log")
    shutil.rmtree(output, ignore_errors=True)
    if child["returncode"] == 0 and prof.exists():
        result["cprofile"] = analyse_profile(prof) | {"stories": profile_stories}
        print(f"  cProfile of the full build at {profile_stories:,} stories: {prof.relative_to(ROOT)}", flush=True)
    else:
        result["cprofile"] = {"error": f"the profiled build failed: {child['log']}"}
    return result


def profile_tables(profile: dict) -> str:
    out = []
    plain, full = profile.get("timed_plain", {}), profile.get("timed_full", {})
    if full.get("ok"):
        labels = list(dict.fromkeys(list(full["stages"]) + list(plain.get("stages", {}))))
        rows = []
        for label in labels:
            a, b = plain.get("stages", {}).get(label), full["stages"].get(label)
            w = full.get("stage_wall_seconds", {}).get(label)
            ma = plain.get("stage_peak_growth_mb", {}).get(label)
            mb = full.get("stage_peak_growth_mb", {}).get(label)
            if label.startswith("other processes"):
                mb = full.get("programs_peak_mb")  # the largest of them
            rows.append([label, "" if a is None else f"{a:.2f}", "" if b is None else f"{b:.2f}",
                         "" if w is None else f"{w:.2f}",
                         "" if ma is None else f"{ma:.0f}", "" if mb is None else f"{mb:.0f}"])
        for plugin, value in full["plugins"].items():
            signals = ", ".join(f"{k} {v:.2f}" for k, v in sorted(value["signals"].items(), key=lambda kv: -kv[1])
                                if v >= 0.005)
            rows.append([f"plugin {plugin}" + (f" ({signals})" if signals else ""), "", f"{value['seconds']:.2f}",
                         f"{value['wall_seconds']:.2f}", "", f"{value['peak_growth_mb']:.0f}"])
        rows.append(["the whole build (Python's own peak MB)", f"{plain.get('cpu_seconds', 0):.2f}",
                     f"{full['cpu_seconds']:.2f}", f"{full['wall_seconds']:.2f}",
                     f"{plain.get('python_peak_mb', 0):.0f}", f"{full.get('python_peak_mb', 0):.0f}"])
        out.append(table(f"Where the time and memory go ({profile.get('corpus', 'synthetic')} corpus, "
                         f"{profile['stories']:,} stories; a stopwatch on each stage "
                         "and each plugin's signal handlers)",
                         ["stage", "plain CPU s", "full CPU s", "full wall s", "plain MB", "full MB"], rows,
                         ["seconds are exclusive: a plugin's handler running inside a stage counts for the plugin "
                          "only; CPU s is the build process's (steadier on a busy machine; it includes the thread "
                          "that hands pages to Pagefind), wall s includes waiting for other processes (the "
                          "search plugin's finalized: Pagefind writing its bundle)",
                          "MB: how far the stage pushed the build process's peak memory (start-up row: the "
                          "peak before the build; other processes: the largest one's own peak)"]))
    else:
        out.append(f"Timed build failed: see {full.get('log')}\n")
    md = profile.get("markdown")
    if md:
        site = md["variants"][0]["cpu_seconds"]
        out.append(table(f"Markdown alone ({md['files']:,} files, a new Markdown() per file like Pelican, in-process)",
                         ["MARKDOWN setting", "CPU s", "vs the site's"],
                         [[("  " if v["indent"] else "") + v["variant"], f"{v['cpu_seconds']:.2f}",
                           f"{v['cpu_seconds'] - site:+.2f}"] for v in md["variants"]]))
    cp = profile.get("cprofile", {})
    if "error" in cp:
        out.append(f"cProfile: {cp['error']}\n")
    elif cp:
        total = cp["total_seconds"]
        out.append(table(f"cProfile of the full build ({cp['stories']:,} stories, {total:.1f} s under the profiler): "
                         "time inside each plugin", ["plugin", "seconds", "share"],
                         [[k, f"{v:.2f}", f"{v / total:.0%}"] for k, v in cp["plugins"].items() if v >= 0.005],
                         [f"saved as {os.path.relpath(cp['profile'], ROOT)}: "
                          "`python -m pstats` on it, then `sort cumulative` and `stats plugins/`"]))
        out.append(table("cProfile: top functions by self time", ["function", "calls", "self s", "cum s"],
                         [[t["function"][-90:], t["calls"], f"{t['self_seconds']:.2f}",
                           f"{t['cumulative_seconds']:.2f}"] for t in cp["top_self_time"]]))
    return "\n".join(out)


# --------------------------------------------------------------------------- targets

def targets_table(report: dict) -> str:
    """Each target of issue 14 with what this run measured (as ratios from the same run)."""
    rows = []
    speed = [r for r in report.get("speed", []) if isinstance(r, dict) and "full" in r] \
        if isinstance(report.get("speed"), list) else []

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT MET"

    for row in (r for r in speed if r["stories"] == TARGET_STORIES):
        rows.append([f"full build, {row['corpus']}, {TARGET_STORIES:,} stories: wall <= {TARGET_RATIO}x plain",
                     f"{row['ratio']:.2f}x (build CPU {row['own_cpu_ratio']:.2f}x, all CPU {row['cpu_ratio']:.2f}x)",
                     verdict(row["ratio"] <= TARGET_RATIO)])
    largest = {}
    for row in speed:
        if row["stories"] >= largest.get(row["corpus"], {"stories": 0})["stories"]:
            largest[row["corpus"]] = row
    for kind, row in largest.items():
        if row["stories"] < 4000:
            continue
        rows.append([f"peak memory, {kind}, {row['stories']:,} stories: <= {MEMORY_TARGET}x plain",
                     f"{row['memory_ratio']:.2f}x any process, {row['own_memory_ratio']:.2f}x build process",
                     verdict(row["memory_ratio"] <= MEMORY_TARGET)
                     + ("" if row["memory_ratio"] <= MEMORY_TARGET or row["own_memory_ratio"] > MEMORY_TARGET
                        else " (met by the build process)")])
    warm = report.get("warm")
    if isinstance(warm, dict) and "ratio" in warm:
        rows.append([f"warm rebuild, {warm['stories']:,} stories, one story changed: <= {WARM_TARGET}x plain",
                     f"{warm['ratio']:.2f}x (build CPU {warm['own_cpu_ratio']:.2f}x)",
                     verdict(warm["ratio"] <= WARM_TARGET)])
    for preview in report.get("preview", []) if isinstance(report.get("preview"), list) else []:
        if preview.get("stories") and "median_seconds" in preview:
            rows.append([f"edit-to-preview through make serve, {preview['stories']:,} stories: "
                         f"< {PREVIEW_TARGET:g} s", f"{preview['median_seconds']:.2f} s",
                         verdict(preview["median_seconds"] < PREVIEW_TARGET)])
    if not rows:
        return ""
    load = report["environment"]["load_average"]
    return table("Targets (issue 14)", ["target", "measured", "result"], rows,
                 [f"load average at the start {load[0]:.2f}: other work on the machine slows "
                  "wall time and parallel work most; ratios come from the same run"])


# --------------------------------------------------------------------------- main

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, nargs="+", default=[250, 1000, 4000])
    parser.add_argument("--corpora", nargs="+", choices=sorted(KINDS), default=["synthetic", "pictures"],
                        help="which corpora the speed part builds (default both)")
    parser.add_argument("--runs", type=int, default=2,
                        help="builds per configuration up to 1,000 stories when a build takes under 30 s "
                             "(the best is kept); larger corpora run once")
    parser.add_argument("--budget", type=float, default=600,
                        help="seconds for the speed part: a corpus over 1,000 stories is skipped when it "
                             "would not fit (default 600)")
    parser.add_argument("--parts", default="speed,warm,preview,profile",
                        help="any of speed, warm, preview, profile (comma-separated)")
    parser.add_argument("--profile", action="store_true",
                        help="profile even when the full site is within the target")
    parser.add_argument("--cprofile-stories", type=int, default=250,
                        help="corpus size for the cProfile run (the stopwatch run uses 1,000)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args(argv)
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}

    VAR.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(VAR / "logs", ignore_errors=True)
    (VAR / "logs").mkdir()  # every part writes its logs here, whichever parts run
    report: dict = {"environment": environment(),
                    "plugins": site_settings().get("PLUGINS", [])}
    print(f"Build benchmark: commit {report['environment']['commit']}, Pelican "
          f"{report['environment']['pelican']}, {report['environment']['cpus']} CPUs, load "
          f"{report['environment']['load_average'][0]:.2f}; full site plugins: "
          f"{', '.join(map(str, report['plugins'])) or '(none)'}", flush=True)
    if report["environment"]["load_average"][0] > 0.7:
        print("  note: the machine is busy (load average above 0.7): figures will be noisier", flush=True)
    work = Path(tempfile.mkdtemp(prefix="oxpip-bench-"))
    tables: list[str] = []
    errors: list[str] = []

    def part(name: str, measure, render):
        """One part; a failure is reported and the other parts still run."""
        try:
            report[name] = measure()
            tables.append(render(report[name]))
        except Exception as error:  # noqa: BLE001 - a benchmark reports, it does not stop
            import traceback
            report[name] = {"error": f"{type(error).__name__}: {error}",
                            "traceback": traceback.format_exc()}
            errors.append(f"{name}: {type(error).__name__}: {error}")
            print(f"  {name}: FAILED ({type(error).__name__}: {error}); details in var/bench/build.json", flush=True)

    try:
        if "speed" in parts:
            part("speed", lambda: measure_speed(work, sorted(args.stories), args.runs, args.budget, args.corpora),
                 speed_table)
        built = [r for r in report.get("speed", []) if isinstance(r, dict) and "full" in r] \
            if isinstance(report.get("speed"), list) else []
        if built:
            report["memory_growth"] = memory_growth(built)
            if report["memory_growth"]:
                tables.append(growth_table(report["memory_growth"]))
        # The warm rebuild, edit-to-preview and the stopwatch profile use 1,000 stories, or a
        # smaller corpus when a full build at 1,000 takes over a minute.
        quick = [r["stories"] for r in built if r["full"]["seconds"] < 60 and r["stories"] <= TARGET_STORIES]
        small = [n for n in args.stories if n <= TARGET_STORIES]
        size = max(quick) if quick else (TARGET_STORIES if TARGET_STORIES in args.stories or not small
                                         else max(small))
        if "warm" in parts:
            part("warm", lambda: measure_warm(work, size), warm_table)
        if "preview" in parts:
            part("preview", lambda: [measure_preview(work), measure_preview(work, stories=size)], preview_table)
        targets = [r for r in built if r["stories"] == TARGET_STORIES]
        over = [r for r in targets if r["ratio"] > TARGET_RATIO]
        if "profile" in parts and (over or args.profile):
            kinds = [r["corpus"] for r in over] or list(args.corpora)
            print(f"  profiling the full build at {size:,} stories ("
                  + (", ".join(f"{r['corpus']}: {r['ratio']:.2f}x plain Pelican, over {TARGET_RATIO}x" for r in over)
                     or "asked for") + ")", flush=True)
            part("profile", lambda: [measure_profile(work, size, min(args.cprofile_stories, size), kind,
                                                     cprofile=index == 0) for index, kind in enumerate(kinds)],
                 lambda profiles: "\n".join(profile_tables(p) for p in profiles))
        tables.append(targets_table(report))
    finally:
        report["environment"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        if args.keep:
            print(f"  temp folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
        path = write_json("build.json", report)
    print()
    print("\n".join(tables))
    for error in errors:
        print(f"FAILED part {error}")
    print(f"JSON: {os.path.relpath(path, ROOT)}")
    failed = [r for r in built if not (r["plain"]["ok"] and r["full"]["ok"])]
    return 1 if failed or errors else 0


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "--timed-build" and sys.argv[3] == "--":
        sys.exit(timed_build(Path(sys.argv[2]), sys.argv[4:]))
    sys.exit(main())
