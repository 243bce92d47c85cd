"""Run one Pelican build in this process and record what it cost, for `make bench`.

    python scripts/bench_child.py OUT.json -- <pelican arguments>

Writes OUT.json with this process's own CPU seconds and peak memory (the build process,
the critical path: what the build waits for) and the same for the processes it ran and
waited for (build workers, Pagefind), which the parent's wait4 cannot tell apart.
Imports nothing beyond the standard library before Pelican, so plain Pelican and the
full site pay the same small start-up.
"""

import json
import resource
import sys
import time


def main() -> int:
    out, separator, *args = sys.argv[1:]
    if separator != "--":
        raise SystemExit("usage: bench_child.py OUT.json -- <pelican arguments>")
    began = time.perf_counter()
    code = 0
    try:
        from pelican import main as pelican_main

        pelican_main(args)
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    finally:
        own = resource.getrusage(resource.RUSAGE_SELF)
        try:  # build workers are still alive here: stop them so their usage is counted
            import build_workers

            build_workers.shutdown()
        except ImportError:
            pass
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        with open(out, "w", encoding="utf-8") as handle:
            json.dump({
                "returncode": code,
                "seconds_in_process": round(time.perf_counter() - began, 3),
                "own_cpu_seconds": round(own.ru_utime + own.ru_stime, 3),
                "own_peak_mb": round(own.ru_maxrss / 1024, 1),  # Linux: KiB
                "programs_cpu_seconds": round(children.ru_utime + children.ru_stime, 3),
                "programs_peak_mb": round(children.ru_maxrss / 1024, 1),  # the largest one
            }, handle)
    return code


if __name__ == "__main__":
    sys.exit(main())
