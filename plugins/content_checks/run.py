"""``make check``: run the content checks alone, quickly. No page is written.

    PYTHONPATH=plugins .venv/bin/python -m content_checks.run [--settings pelicanconf.py]
        [--path content] [--set KEY=JSON ...]

Pelican reads every file and the plugins check them, exactly as in a build, and then we
stop before the writer is made. Each problem is printed as
``path:line: field: what is wrong. How to fix it.``; the exit status is 1 if there is any.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time


def check(settings_file: str = "pelicanconf.py", overrides: dict | None = None):
    """Read and check every content file; return the list of content problems."""
    from pelican import Pelican, signals
    from pelican.settings import read_settings

    import content_problems

    with tempfile.TemporaryDirectory(prefix="oxpip-check-") as nowhere:
        override = {"OUTPUT_PATH": nowhere, "DELETE_OUTPUT_DIRECTORY": False, "CONTENT_CHECK_ONLY": True}
        override.update(overrides or {})
        settings = read_settings(settings_file, override=override)
        pelican = Pelican(settings)  # loads the plugins and sends `initialized`
        context = settings.copy()
        context.update(generated_content={}, static_links=set(), static_content={},
                       localsiteurl=settings["SITEURL"])
        generators = [
            cls(context=context, settings=settings, path=pelican.path, theme=pelican.theme,
                output_path=pelican.output_path)
            for cls in pelican._get_generator_classes()
        ]
        for generator in generators:
            if hasattr(generator, "generate_context"):
                generator.generate_context()
        signals.all_generators_finalized.send(generators)
        return content_problems.problems(), generators


def _count_files(generators) -> int:
    total = 0
    for generator in generators:
        for name in ("articles", "hidden_articles", "drafts", "pages", "hidden_pages", "draft_pages"):
            total += len(getattr(generator, name, []) or [])
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the content without building the site.")
    parser.add_argument("--settings", default="pelicanconf.py")
    parser.add_argument("--path", help="the content folder (default: PATH in the settings)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                        help="override a setting, for example --set 'CONTENT_CHECK_NOW=\"2026-01-01\"'")
    args = parser.parse_args(argv)

    overrides = {}
    if args.path:
        overrides["PATH"] = os.path.abspath(args.path)
    for item in args.set:
        key, _, value = item.partition("=")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value

    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stdout)
    started = time.monotonic()
    try:
        found, generators = check(args.settings, overrides)
    except Exception as error:  # a broken data file or settings: say so plainly
        print(f"The content could not be checked: {error}", file=sys.stderr)
        return 1
    files = _count_files(generators)
    for name in ("readability", "page_reviews"):  # their tables, when the plugin is in PLUGINS
        try:
            __import__(name).print_report(sys.stdout)
        except ImportError:
            pass
    import content_problems

    if content_problems.notices():
        sys.stdout.write(content_problems.notices_summary(content_problems.notices()))
    seconds = time.monotonic() - started
    if found:
        count = len(found)
        paths = len({problem.path for problem in found})
        print(f"\n{count} problem{'s' if count != 1 else ''} in {paths} file{'s' if paths != 1 else ''} "
              f"(listed above, each with how to fix it). Checked {files} files in {seconds:.1f} s.")
        return 1
    print(f"No problems found. Checked {files} files in {seconds:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
