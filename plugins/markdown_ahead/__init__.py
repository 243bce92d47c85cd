"""Markdown ahead: the build workers convert Markdown files before Pelican reaches them.

Pelican reads the content files one after another on one core, and converting Markdown is
the largest part of a build. Once the generators know their files, this plugin hands them
to the build workers (plugins/build_workers), last file first, while Pelican reads from
the first. When Pelican reaches a file a worker has finished, the reader takes that HTML
and front matter instead of converting the file again; a file no worker has finished is
converted here as usual (and dropped from the workers' queue). The meeting point moves with
how busy each core is, and no file waits for a worker.

The conversion is Pelican's own (a new ``Markdown(**MARKDOWN)`` per file, the file read
with ``pelican_open``: markdown_ahead/convert.py), and the front matter is turned into
metadata by Pelican's reader in this process, so every page is the same as without this
plugin, byte for byte. Not sent to the workers: files Pelican's content cache already
holds, everything when fewer than ``MARKDOWN_AHEAD_MIN_FILES`` (default 16) need reading
or when there are no workers (``BUILD_WORKERS = 0``), and files with a front-matter field
in ``FORMATTED_FIELDS`` (converted here, as Pelican converts those fields too).
``MARKDOWN_AHEAD_WAIT = True`` waits for the workers instead of converting here, so that
every file is converted by a worker (the serial-against-parallel test uses it).
"""

from __future__ import annotations

import logging
import os
import pickle
from types import SimpleNamespace

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.readers import MarkdownReader

import build_workers

from .convert import convert

logger = logging.getLogger(__name__)

DEFAULT_MIN_FILES = 16
_state: dict = {"jobs": {}, "files": []}  # this build's jobs, by the file's absolute path

# Pelican's _parse_metadata() only uses the Markdown instance to take the "meta" step out
# before converting FORMATTED_FIELDS; files with such fields are converted here instead.
_ALREADY_CONVERTED = SimpleNamespace(preprocessors=SimpleNamespace(deregister=lambda name: None))


class AheadMarkdownReader(MarkdownReader):
    """Pelican's MarkdownReader, taking a worker's finished conversion when there is one."""

    def read(self, source_path):
        job = _state["jobs"].pop(source_path, None)
        if job is not None and self.settings.get("MARKDOWN_AHEAD_WAIT"):
            job.result_or_none()  # wait for the worker (tests: every file converted there)
        if job is not None and job.done():
            try:
                content, meta = job.result()
            except Exception:  # noqa: BLE001 - converted again here, so Pelican reports it
                return super().read(source_path)
            formatted = {name.lower() for name in self.settings["FORMATTED_FIELDS"]}
            if not any(name.lower() in formatted for name in meta or {}):
                _state["taken"] = _state.get("taken", 0) + 1
                self._source_path = source_path
                self._md = _ALREADY_CONVERTED
                return content, (self._parse_metadata(meta) if meta is not None else {})
        elif job is not None:
            job.cancel()  # not started: this process does it now
        return super().read(source_path)


def _swap_reader(readers) -> None:
    for extension in MarkdownReader.file_extensions:
        if readers.reader_classes.get(extension) is MarkdownReader:
            readers.reader_classes[extension] = AheadMarkdownReader


def _files_to_read(generator) -> list[str]:
    """The files this generator will read and its content cache does not hold (absolute)."""
    if isinstance(generator, ArticlesGenerator):
        paths, exclude = generator.settings["ARTICLE_PATHS"], generator.settings["ARTICLE_EXCLUDES"]
    else:
        paths, exclude = generator.settings["PAGE_PATHS"], generator.settings["PAGE_EXCLUDES"]
    markdown = set(MarkdownReader.file_extensions)
    found = []
    for name in generator.get_files(paths, exclude=exclude):  # the order Pelican will read them
        if os.path.splitext(name)[1].lstrip(".") not in markdown:
            continue
        path = os.path.abspath(os.path.join(generator.path, name))
        if generator.readers.get_cached_data(path, None) is None:
            found.append(path)
    return found


def _articles_known(generator) -> None:
    _drop_jobs()
    _state["files"] = _files_to_read(generator)


def _pages_known(generator) -> None:
    """Both generators know their files (Pelican reads the articles, then the pages):
    hand them to the workers, last first."""
    settings = generator.settings
    files = _state.pop("files", []) + _files_to_read(generator)
    _state["files"] = []
    if build_workers.count(settings) == 0 or len(files) < int(settings.get("MARKDOWN_AHEAD_MIN_FILES",
                                                                           DEFAULT_MIN_FILES)):
        return
    reader = generator.readers.readers.get("md")
    if not isinstance(reader, AheadMarkdownReader):
        return
    config = reader.settings["MARKDOWN"]
    try:
        pickle.dumps(config)
    except Exception:  # noqa: BLE001 - e.g. an extension given as an object: no workers then
        logger.debug("markdown_ahead: MARKDOWN cannot be sent to a worker; converting here")
        return
    _state["jobs"] = {path: build_workers.submit(settings, convert, path, config) for path in reversed(files)}
    _state.update(sent=len(files), taken=0)


def _drop_jobs(*args) -> None:
    """After reading (or before a new build): nothing left should run."""
    if _state.get("sent"):
        logger.info("markdown_ahead: build workers converted %d of the %d Markdown files read",
                     _state.get("taken", 0), _state["sent"])
        _state["sent"] = 0
    jobs, _state["jobs"] = _state["jobs"], {}
    for job in jobs.values():
        job.cancel()


def register() -> None:
    signals.readers_init.connect(_swap_reader)
    signals.article_generator_init.connect(_articles_known)
    signals.page_generator_init.connect(_pages_known)
    signals.all_generators_finalized.connect(_drop_jobs)
