"""Build workers: the site's per-file work runs beside Pelican, on the machine's other cores.

A helper the plugins share, not a plugin itself (it connects no signal, so it is not in
PLUGINS).

Pelican builds on one core. Some of what is done for one file needs nothing of Pelican's
objects, only a few plain values, and can run in another process while Pelican goes on
reading and writing: converting Markdown ahead of Pelican (plugins/markdown_ahead),
grading a page's reading level (plugins/readability) and making a picture's sizes
(plugins/responsive_images). A plugin submits a function that can be imported by name,
with arguments and a result that can be pickled, and takes the result when it needs it.

``BUILD_WORKERS`` is how many worker processes there are: by default one fewer than the
CPUs this process may use, at most 4 (so 1 on a 2-core machine, 0 on a 1-core one).
With 0 every job runs in the build process at the moment it is submitted, in order: the
serial build that the tests compare the parallel one against, byte for byte. A job that
fails in a worker because the worker died runs again in the build process.

The pool is made on the first job and kept for the life of the process, so ``make
serve`` keeps each worker (and what it has loaded, such as the reading-grade dictionary)
from one rebuild to the next. Workers are forked from the build process when it has no
other thread (the plugins start them while Pelican reads, before the search plugin's
threads exist), so they start at once with Pelican and the plugins already imported (a
fresh interpreter spends about 0.3 CPU s importing them); otherwise they are spawned.
They ignore Ctrl+C, which the build process handles.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

logger = logging.getLogger(__name__)

MAX_DEFAULT_WORKERS = 4
_pool: dict = {"executor": None, "size": 0}  # one pool per process, shared by every build in it


def count(settings: dict) -> int:
    """The number of worker processes ``BUILD_WORKERS`` asks for (None: the default)."""
    wanted = settings.get("BUILD_WORKERS")
    if wanted is None:
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            cpus = os.cpu_count() or 1
        return max(0, min(cpus - 1, MAX_DEFAULT_WORKERS))
    return max(0, int(wanted))


def _quiet_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _executor(size: int) -> ProcessPoolExecutor:
    if _pool["executor"] is None or _pool["size"] != size:
        shutdown()
        # fork only a single-threaded process: a lock another thread holds would stay held
        method = "fork" if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods() \
            else "spawn"
        _pool["executor"] = ProcessPoolExecutor(
            max_workers=size, mp_context=multiprocessing.get_context(method), initializer=_quiet_worker)
        _pool["size"] = size
    return _pool["executor"]


def shutdown() -> None:
    """Stop the workers (they also stop when the process ends)."""
    executor, _pool["executor"] = _pool["executor"], None
    if executor is not None:
        executor.shutdown(wait=True, cancel_futures=True)


class Job:
    """One submitted call: ``result()`` waits for it (in a worker) or has it already (serial)."""

    def __init__(self, future: Future, fn: Callable, args: tuple):
        self._future, self._fn, self._args = future, fn, args

    def done(self) -> bool:
        return self._future.done()

    def cancel(self) -> bool:
        """Drop the job if no worker has started it; True if it was dropped."""
        return self._future.cancel()

    def result_or_none(self) -> Any:
        """Wait for the job; its result, or None if it failed (or was cancelled)."""
        try:
            return self.result()
        except BaseException:  # noqa: BLE001 - the caller does the work itself then
            return None

    def result(self) -> Any:
        """The function's return value; its exception is raised here, as if called here."""
        try:
            return self._future.result()
        except BrokenProcessPool:
            logger.debug("a build worker stopped; running %s in the build process", self._fn.__name__)
            shutdown()
            return self._fn(*self._args)


def _now(fn: Callable, args: tuple) -> Future:
    future: Future = Future()
    try:
        future.set_result(fn(*args))
    except Exception as error:  # noqa: BLE001 - kept for result(), like a worker's
        future.set_exception(error)
    return future


def running() -> bool:
    """Whether this process has workers already (started by an earlier job or build)."""
    return _pool["executor"] is not None


def submit(settings: dict, fn: Callable, *args, start: bool = True) -> Job:
    """Run ``fn(*args)`` in a worker (or now, with no workers). ``fn`` must be importable
    by its module and name, and its arguments and result picklable. ``start=False``: only
    if workers are running already (a worker takes a while to start; for a job or two that
    costs more than it saves), else now."""
    size = count(settings)
    if size == 0 or not (start or running()):
        return Job(_now(fn, args), fn, args)
    try:
        return Job(_executor(size).submit(fn, *args), fn, args)
    except (BrokenProcessPool, RuntimeError):  # a dead pool, or one shut down at exit
        shutdown()
        return Job(_now(fn, args), fn, args)

