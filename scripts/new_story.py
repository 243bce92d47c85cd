"""`make new-story TITLE="..."`: start a story from the commented template.

Writes content/stories/<slug>.md from scripts/story_template.md, as a draft (Status:
draft) with today's date and notes on what to write. The TODO markers and the note
stop `make publish` until they are filled in or deleted; `make check` lists them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import unicodedata
from pathlib import Path
from string import Template

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
TEMPLATE = Path(__file__).resolve().parent / "story_template.md"


def slugify(title: str) -> str:
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    text = re.sub(r"['\u2019]", "", text.lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def first_name(title: str) -> str:
    match = re.match(r"\s*([A-Z][\w-]*)['\u2019]s\b", title)
    return match.group(1) if match else "TODO (first name)"


def default_service(content: Path) -> str:
    services = sorted(p.stem for p in (content / "services").glob("*.md"))
    return services[0] if services else "TODO"


def charity_today() -> dt.date:
    """Today's date in the site's TIMEZONE (pelicanconf.py), never the machine's own zone."""
    import runpy

    from referrals import clock

    name = runpy.run_path(str(ROOT / "pelicanconf.py")).get("TIMEZONE") or clock.DEFAULT_TIMEZONE
    return clock.today(clock.zone(name))


def render(title: str, date: dt.date, service: str) -> str:
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(
        title=title.strip(), date=date.isoformat(), slug=slugify(title), service=service,
        first_name=first_name(title),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--title", default="")
    parser.add_argument("--date", help="YYYY-MM-DD (default: today, in the site's TIMEZONE)")
    parser.add_argument("--service", help="a file name in content/services/ without .md")
    parser.add_argument("--content", default=str(ROOT / "content"))
    args = parser.parse_args(argv)

    title = args.title.strip()
    if not title or not slugify(title):
        print('Give the story a title, for example: make new-story TITLE="Sam\'s story: feeling close again"',
              file=sys.stderr)
        return 2
    try:
        date = dt.date.fromisoformat(args.date) if args.date else charity_today()
    except ValueError:
        print(f'"{args.date}" is not a date in the form YYYY-MM-DD, for example 2025-04-30.', file=sys.stderr)
        return 2
    content = Path(args.content)
    target = content / "stories" / f"{slugify(title)}.md"
    if target.exists():
        print(f"{target.relative_to(content.parent)} already exists. Open it, or choose another title.",
              file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(title, date, args.service or default_service(content)), encoding="utf-8")
    shown = target.relative_to(content.parent) if content.parent in target.parents else target
    print(f"Wrote {shown} (a draft).\n"
          "Open it, follow the notes in it, then run `make check` to see what is left to do.\n"
          "The volunteer guide: docs/volunteers.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
