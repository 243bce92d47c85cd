"""`python -m referrals feedback ...`: what readers said about each page.

    feedback counts   [--since DAY] [--until DAY]            yes / no / comments per page
    feedback comments --key KEY [--page /x/] [--since DAY] [--until DAY] [--format text|csv|json]
    feedback purge    --days N                               delete answers older than N days

Counts need no key: the page, the answer and the day are stored plainly. Comments are
sealed to the intake team's key, so reading them needs the private key, as for referrals.
Days are YYYY-MM-DD in the charity's time zone (REFERRALS_TIMEZONE).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import date, timedelta
from pathlib import Path

from . import crypto
from .clock import today
from .feedback_store import open_feedback_admin
from .settings import from_env


REMOVED = {"email": ("email address", "email addresses"), "phone": ("phone number", "phone numbers"),
           "postcode": ("postcode", "postcodes")}


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day written as YYYY-MM-DD") from None


def _admin(args):
    from .cli import _db

    return open_feedback_admin(_db(args))


def cmd_counts(args) -> int:
    admin = _admin(args)
    try:
        rows = admin.counts(args.since, args.until)
    finally:
        admin.close()
    if not rows:
        print("No answers yet" + (" in those days" if args.since or args.until else "") + ".")
        return 0
    width = max(len("Page"), *(len(r.page) for r in rows))
    print(f"{'Page':<{width}}  {'Yes':>5}  {'No':>5}  {'Helpful':>7}  {'Comments':>8}")
    for r in rows:
        print(f"{r.page:<{width}}  {r.yes:>5}  {r.no:>5}  {_share(r.yes, r.no):>7}  {r.comments:>8}")
    yes, no, comments = sum(r.yes for r in rows), sum(r.no for r in rows), sum(r.comments for r in rows)
    print(f"{'All pages':<{width}}  {yes:>5}  {no:>5}  {_share(yes, no):>7}  {comments:>8}")
    return 0


def _share(yes: int, no: int) -> str:
    return f"{round(100 * yes / (yes + no))}%" if yes + no else "-"


def cmd_comments(args) -> int:
    from .cli import CommandError
    from .spreadsheet import formula_safe

    private = crypto.load_private_key(Path(args.key))
    admin = _admin(args)
    opened, other_keys = [], 0
    try:
        for item in admin.sealed_comments(args.since, args.until, args.page):
            try:
                document = crypto.open_sealed(private, item.sealed)
            except crypto.WrongKeyError:
                other_keys += 1
                continue
            opened.append({"day": item.received_on.isoformat(), "page": item.page, "helpful": item.helpful,
                           "comment": document.get("comment", ""), "removed": document.get("removed", {})})
    finally:
        admin.close()
    if other_keys and not opened:
        raise CommandError(f"Wrong key: this private key (id {crypto.key_id(private.public_key)}) opens none of "
                           f"the {other_keys} comments")
    if other_keys:
        print(f"Warning: {other_keys} comments need a different key and were left out", file=sys.stderr)
    if args.format == "json":
        sys.stdout.write(json.dumps(opened, ensure_ascii=False, indent=2) + "\n")
    elif args.format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
        writer.writerow(["day", "page", "helpful", "comment", "removed"])
        for row in opened:
            removed = ", ".join(f"{n} {kind}" for kind, n in sorted(row["removed"].items()))
            writer.writerow([formula_safe(v) for v in (row["day"], row["page"], row["helpful"], row["comment"], removed)])
        sys.stdout.write(buffer.getvalue())
    else:
        for row in opened:
            print(f"{row['day']}  {row['page']}  {row['helpful']}")
            for line in row["comment"].splitlines() or [""]:
                print(f"    {line}")
            if row["removed"]:
                masked = ", ".join(f"{n} {REMOVED[kind][n > 1]}" for kind, n in sorted(row["removed"].items()) if kind in REMOVED)
                print(f"    (removed before storing: {masked})")
        print(f"{len(opened)} comment{'s' if len(opened) != 1 else ''}")
    return 0


def cmd_purge(args) -> int:
    from .cli import CommandError

    if args.days < 1:
        raise CommandError("Say how many days of answers to keep: --days N (1 or more)")
    before = today(from_env().zone) - timedelta(days=args.days)
    admin = _admin(args)
    try:
        deleted = admin.purge(before)
    finally:
        admin.close()
    print(f"Deleted {deleted} answer{'s' if deleted != 1 else ''} from before {before.isoformat()}")
    return 0


def add_commands(sub, with_db) -> None:
    """`feedback` and its three commands, under the CLI's subparsers (cli.build_parser)."""
    parser = sub.add_parser("feedback", help='"Was this page helpful?" answers: counts, comments, purge')
    commands = parser.add_subparsers(dest="feedback_command", required=True, metavar="COMMAND")

    def days(p):
        p.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="from this day (inclusive)")
        p.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="up to this day (inclusive)")
        return p

    p = days(with_db(commands.add_parser("counts", help="yes, no and comments per page (no key needed)")))
    p.set_defaults(func=cmd_counts)
    p = days(with_db(commands.add_parser("comments", help="read the comments with the private key")))
    p.add_argument("--key", required=True, help="the intake team's private key file")
    p.add_argument("--page", help="only this page, for example /get-support/")
    p.add_argument("--format", choices=["text", "csv", "json"], default="text")
    p.set_defaults(func=cmd_comments)
    p = with_db(commands.add_parser("purge", help="delete answers older than N days"))
    p.add_argument("--days", type=int, required=True, help="keep this many days of answers")
    p.set_defaults(func=cmd_purge)
