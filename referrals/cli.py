"""`python -m referrals <command>`: the intake team's tools, and the servers.

Staff commands (keygen, list, export, mark-handled, purge) print one clear line when
something is wrong - a wrong key, a missing file, a locked database - and no traceback.
`list` shows no personal data; only `export`, with the private key, opens referrals.
`feedback` reads the "Was this page helpful?" answers (feedback_cli.py).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from . import clock, crypto
from .form_definition import field_order
from .settings import Settings, SettingsError, from_env, timezone_from_env
from .spreadsheet import formula_safe
from .sqlite_store import database_path
from .store import ReferralAdmin, StoreError
from .stores import is_postgres, open_admin

DEFAULT_DB = "var/referrals.sqlite3"


class CommandError(Exception):
    """Shown to the user as one line, then the program exits with status 1."""


def cli_staff_id() -> str:
    """Who the audit log names for a CLI action: "cli:" and the computer account."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _db(args) -> str:
    return args.database or os.environ.get("REFERRALS_DATABASE") or DEFAULT_DB


def _admin(args) -> ReferralAdmin:
    if is_postgres(_db(args)):
        return open_admin(_db(args))
    path = database_path(_db(args))
    if not path.exists():
        raise CommandError(f"No referral database at {path} (use --database PATH or set REFERRALS_DATABASE)")
    return open_admin(str(path))


# -- keygen -----------------------------------------------------------------------------
def cmd_keygen(args) -> int:
    """The team key pair, and with --recovery-private/--recovery-public a recovery pair too."""
    pairs = [("team", args.private, args.public)]
    if bool(args.recovery_private) != bool(args.recovery_public):
        raise CommandError("Give both --recovery-private and --recovery-public, or neither")
    if args.recovery_private:
        pairs.append(("recovery", args.recovery_private, args.recovery_public))
    db_dir = database_path(_db(args)).resolve().parent
    paths = [Path(p).resolve() for _, private, public in pairs for p in (private, public)]
    if len(set(paths)) != len(paths):
        raise CommandError("Each key needs its own file")
    for kind, private, public in pairs:
        private_path = Path(private).resolve()
        if private_path.parent == db_dir:
            raise CommandError(
                f"Refusing to write the private key next to the database ({db_dir}). "
                "Keep it on the intake team's computer, not the server."
            )
    for path in paths:
        if path.exists():
            raise CommandError(f"{path} already exists; refusing to overwrite a key")
        if not path.parent.is_dir():
            raise CommandError(f"Folder {path.parent} does not exist")
    written: list[Path] = []
    try:
        for kind, private, public in pairs:
            private_key, public_key = crypto.generate_keypair()
            crypto.write_private_key(Path(private), private_key)
            written.append(Path(private))
            crypto.write_public_key(Path(public), public_key)
            written.append(Path(public))
            label = "Recovery" if kind == "recovery" else "Team"
            print(f"{label} private key (keep secret, off the server): {Path(private).resolve()}")
            variable = "REFERRALS_RECOVERY_PUBLIC_KEY" if kind == "recovery" else "REFERRALS_PUBLIC_KEY"
            print(f"{label} public key (copy to the server, {variable}): {Path(public).resolve()}")
            print(f"{label} key id: {crypto.key_id(public_key)}")
    except OSError:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    if len(pairs) == 2:
        print("Keep the recovery private key apart from the team's (for example in the office safe).")
    return 0


# -- list -------------------------------------------------------------------------------
def cmd_list(args) -> int:
    tz = timezone_from_env()  # times shown to staff are the charity's
    admin = _admin(args)
    try:
        rows = admin.list(args.status)
    finally:
        admin.close()
    print(f"{'Reference':<11} {f'Received ({tz.key})':<24} {'Status':<8} {'Emailed':<8} Check")
    for r in rows:
        received = clock.local(r.received_at, tz).strftime("%Y-%m-%d %H:%M %Z")
        print(
            f"{r.reference:<11} {received:<24} {r.status:<8} "
            f"{'yes' if r.notified else 'no':<8} {', '.join(r.flags) or '-'}"
        )
    print(f"{len(rows)} referral{'s' if len(rows) != 1 else ''}")
    return 0


# -- export -----------------------------------------------------------------------------
def _columns() -> list[str]:
    parts = [p for f in field_order() for p in f.part_names()]
    return ["reference", "received_at", "status", "check"] + parts + ["area", "child_age"]


def cmd_export(args) -> int:
    keys = {}
    for path in args.key:
        private = crypto.load_private_key(Path(path))
        keys[crypto.key_id(private.public_key)] = private
    admin = _admin(args)
    opened, other_keys, skipped = [], {}, 0
    try:
        for summary, copies in admin.sealed_copies(args.status):
            usable = [key_id for key_id in copies if key_id in keys]
            if not usable:
                skipped += 1
                for key_id in copies:
                    other_keys[key_id] = other_keys.get(key_id, 0) + 1
                continue
            try:
                document = crypto.open_sealed(keys[usable[0]], copies[usable[0]])
            except crypto.WrongKeyError:
                raise CommandError(f"Referral {summary.reference} is damaged: key id {usable[0]} does not open it") from None
            document["status"] = summary.status
            opened.append(document)
    finally:
        admin.close()
    mine = ", ".join(sorted(keys))
    if other_keys and not opened:
        ids = ", ".join(sorted(other_keys))
        raise CommandError(
            f"Wrong key: this private key (id {mine}) opens none of the {skipped} "
            f"referrals; they were sealed for key id {ids}"
        )
    if other_keys:
        print(
            f"Warning: {skipped} referrals need a different key (id {', '.join(sorted(other_keys))})"
            " and were left out",
            file=sys.stderr,
        )
    text = _as_json(opened) if args.format == "json" else _as_csv(opened, timezone_from_env())
    if args.out:
        try:
            fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise CommandError(f"{args.out} already exists; refusing to overwrite") from None
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        print(f"Exported {len(opened)} referrals to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _as_json(documents: list[dict]) -> str:
    return json.dumps(documents, ensure_ascii=False, indent=2) + "\n"


def _local_time(stamp: object, tz) -> object:
    """A sealed ISO 8601 UTC time as the charity's wall-clock time with its offset."""
    try:
        return clock.local(datetime.fromisoformat(str(stamp)), tz).isoformat(timespec="seconds")
    except ValueError:
        return stamp


def _as_csv(documents: list[dict], tz) -> str:
    """One row per referral; times in the charity's zone with their UTC offset."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    columns = _columns()
    writer.writerow(columns)
    for doc in documents:
        answers, notes = doc.get("answers", {}), doc.get("notes", {})
        row = {
            "reference": doc.get("reference"),
            "received_at": _local_time(doc.get("received_at"), tz),
            "status": doc.get("status"),
            "check": ", ".join(doc.get("flags", [])),
            **answers,
            "area": notes.get("area", ""),
            "child_age": notes.get("child_age", ""),
        }
        writer.writerow([formula_safe(row.get(c, "")) for c in columns])
    return buffer.getvalue()


# -- mark-handled, purge ----------------------------------------------------------------
def cmd_mark_handled(args) -> int:
    refs = [r.strip().upper() for r in args.references]
    admin = _admin(args)
    try:
        missing = admin.mark_handled(refs, clock.utc_now(), staff_id=cli_staff_id())
    finally:
        admin.close()
    if missing:
        raise CommandError(f"No referral with reference {', '.join(missing)} (nothing was changed for it)")
    print(f"Marked {len(refs)} referral{'s' if len(refs) != 1 else ''} as handled")
    return 0


def cmd_purge(args) -> int:
    from . import retention

    settings = from_env()
    days = args.days if args.days is not None else settings.retention_days
    if not days or days < 1:
        raise CommandError("Say how many days to keep closed referrals: --days N (or set REFERRALS_RETENTION_DAYS)")
    settings = replace(settings, retention_days=days)
    admin = _admin(args)
    try:
        result, rep = retention.purge_and_report(admin, settings, clock_is_right=args.clock_is_right)
    finally:
        admin.close()
    for _, line in rep.lines:
        print(line.removeprefix("retention: "))
    retention.email_report(rep, settings, result.now)
    return 1 if result.stopped else 0


# -- staff and the audit log -------------------------------------------------------------
def _inbox_store(args):
    from .stores import open_inbox

    database = _db(args)
    if not is_postgres(database) and not database_path(database).exists():
        raise CommandError(f"No referral database at {database_path(database)} (use --database PATH or set REFERRALS_DATABASE)")
    return open_inbox(database, create=False)


def cmd_staff(args) -> int:
    from .clock import local, utc_now
    from .inbox import settings as inbox_settings, staff

    inbox = inbox_settings.from_env()
    zone = from_env().zone
    store = _inbox_store(args)
    now, by = utc_now(), cli_staff_id()
    try:
        if args.action == "list":
            members = store.staff(include_removed=args.all)
            print(f"{'Id':<16} {'Name':<24} {'Sign-in':<18} {'Last signed in':<17} State")
            for m in members:
                methods = "passkey" if m.passkeys else ("password + code" if m.password_hash else "-")
                last = local(m.last_sign_in_at, zone).strftime("%Y-%m-%d %H:%M") if m.last_sign_in_at else "never"
                if m.removed_at:
                    state = "removed"
                elif m.signed_up:
                    state = "active"
                elif m.signup_expires_at and m.signup_expires_at > now:
                    state = f"invited (link works until {local(m.signup_expires_at, zone):%Y-%m-%d %H:%M})"
                else:
                    state = "invited (link expired: use `staff reset`)"
                print(f"{m.id:<16} {m.name[:24]:<24} {methods:<18} {last:<17} {state}")
            print(f"{len(members)} staff member{'s' if len(members) != 1 else ''} (times in {zone.key})")
            return 0
        if not args.id:
            raise CommandError(f"Say which staff member: python -m referrals staff {args.action} ID")
        if args.action == "add":
            if not args.name:
                raise CommandError('Give the member\'s name: --name "Sam Taylor"')
            link = staff.add(store, args.id, args.name, args.inbox_url or inbox.origin, inbox.signup_hours, now, by)
            print(f"Added {args.id}. Send them this one-time sign-up link (it works for {inbox.signup_hours} hours):")
            print(link)
        elif args.action == "reset":
            link = staff.reset(store, args.id, args.inbox_url or inbox.origin, inbox.signup_hours, now, by)
            print(f"Reset {args.id}: signed out everywhere, sign-in methods forgotten. New one-time sign-up link:")
            print(link)
        elif args.action == "remove":
            store.remove_staff(args.id, now, by)
            print(f"Removed {args.id}: signed out everywhere and can no longer sign in (the audit log keeps the id).")
    except staff.StaffError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.close()
    return 0


def cmd_audit(args) -> int:
    from .clock import local

    zone = from_env().zone
    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since).replace(tzinfo=zone) if len(args.since) > 10 else \
                datetime.combine(datetime.fromisoformat(args.since).date(), datetime.min.time(), tzinfo=zone)
        except ValueError:
            raise CommandError(f"--since {args.since!r} is not a date; write it like 2026-03-01") from None
    store = _inbox_store(args)
    try:
        rows = store.audit_trail(reference=args.reference.upper() if args.reference else None, since=since)
    finally:
        store.close()
    print(f"{'When (' + zone.key + ')':<22} {'Who':<16} {'What':<16} {'Reference':<10} Detail")
    for row in rows:
        print(
            f"{local(row.at, zone):%Y-%m-%d %H:%M:%S}  {row.staff_id or '-':<16} {row.action:<16} "
            f"{row.reference or '-':<10} {row.detail}"
        )
    print(f"{len(rows)} audit row{'s' if len(rows) != 1 else ''}")
    return 0


# -- servers ----------------------------------------------------------------------------
def cmd_serve(args) -> int:
    from . import server
    from .app import create_app

    settings = from_env()
    app = create_app(settings)
    try:
        server.run(app, args.host, args.port, settings.max_connections, settings.request_timeout_seconds)
    except server.ServerLimitsError as exc:
        raise CommandError(f"cannot start: {exc}") from None
    return 0


def cmd_inbox(args) -> int:
    from .inbox.run import serve_inbox

    serve_inbox(args.host, args.port)
    return 0


def cmd_dev(args) -> int:
    """Serve the built site and the form on one origin, and the staff inbox on another,
    with a DEVELOPMENT-ONLY key pair."""
    from .app import create_app
    from .inbox import app as inbox_app
    from .inbox.run import serve_together
    from .inbox.settings import InboxSettings
    from .pages import FORM_PAGE

    data = Path(args.data_dir)
    keys = data / "dev-keys"
    keys.mkdir(parents=True, exist_ok=True)
    private_path = keys / "DEVELOPMENT-ONLY-private.key"
    public_path = keys / "DEVELOPMENT-ONLY-public.key"
    secret_path = keys / "DEVELOPMENT-ONLY-token-secret"
    if not public_path.exists():
        private, public = crypto.generate_keypair()
        for p in (private_path, public_path):
            p.unlink(missing_ok=True)
        crypto.write_private_key(private_path, private)
        crypto.write_public_key(public_path, public)
    if not secret_path.exists():
        fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(os.urandom(24).hex())
    site = Path(args.site)
    waited = 0
    while not (site / FORM_PAGE).exists() and waited < args.wait:
        if waited == 0:
            print(f"Waiting for the site to be built into {site}/ ...", file=sys.stderr)
        time.sleep(1)
        waited += 1
    port = args.port
    hosts = ("127.0.0.1", "localhost", "[::1]") if args.host in ("127.0.0.1", "localhost", "::1") else (args.host,)
    env_settings = from_env()
    settings = Settings(
        database=str(data / "referrals-dev.sqlite3"),
        public_key=public_path,
        site_dir=site,
        allowed_origins=tuple(f"http://{h}:{port}" for h in hosts),
        token_secret=secret_path.read_text().strip(),
        rate_limit_count=env_settings.rate_limit_count,
        rate_limit_window_seconds=env_settings.rate_limit_window_seconds,
        token_min_seconds=env_settings.token_min_seconds,
        smtp_host=env_settings.smtp_host,
        smtp_port=env_settings.smtp_port,
        smtp_from=env_settings.smtp_from,
        smtp_to=env_settings.smtp_to,
        notify_retry_seconds=env_settings.notify_retry_seconds,
        notify_poll_seconds=env_settings.notify_poll_seconds,
        reload_pages=True,
        development=True,
    )
    inbox_origin = f"http://localhost:{args.inbox_port}"  # WebAuthn needs a domain: localhost, not 127.0.0.1
    inbox_settings = InboxSettings(origin=inbox_origin, host=args.host, port=args.inbox_port)
    try:
        app = create_app(settings, serve_site=True)
        inbox = inbox_app.create_app(settings, inbox_settings)
    except Exception as exc:  # ConfigError: one line, no traceback
        raise CommandError(str(exc)) from None
    print(
        f"\n  Site and referral form: http://{hosts[0]}:{port}/get-support/refer-yourself/\n"
        f"  Staff inbox: {inbox_origin}/\n"
        f"  Referrals are stored in {settings.database}\n"
        f"  DEVELOPMENT-ONLY private key: {private_path} (load it in the inbox to open referrals)\n"
        f"  First time? Make yourself a sign-in, then open the link it prints:\n"
        f"    .venv/bin/python -m referrals staff add dev --name \"Dev Person\" --database {settings.database}"
        f" --inbox-url {inbox_origin}\n",
        file=sys.stderr,
    )
    serve_together([(app, args.host, port), (inbox, args.host, args.inbox_port)])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m referrals", description="OXPIP self-referral service and intake tools")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_db(p):
        p.add_argument("--database", help=f"database path or postgresql:// URL (default: $REFERRALS_DATABASE or {DEFAULT_DB})")
        return p

    p = with_db(sub.add_parser("keygen", help="make the intake team's key pair (and a recovery pair)"))
    p.add_argument("--private", required=True, help="where to write the PRIVATE key (not on the server)")
    p.add_argument("--public", required=True, help="where to write the public key (copy it to the server)")
    p.add_argument("--recovery-private", help="also make a recovery pair: its PRIVATE key (keep it apart, offline)")
    p.add_argument("--recovery-public", help="the recovery pair's public key (REFERRALS_RECOVERY_PUBLIC_KEY on the server)")
    p.set_defaults(func=cmd_keygen)

    p = with_db(sub.add_parser("list", help="list referrals: reference, received time, status (no personal data)"))
    p.add_argument("--status", choices=["new", "handled"])
    p.set_defaults(func=cmd_list)

    p = with_db(sub.add_parser("export", help="decrypt referrals with the private key"))
    p.add_argument(
        "--key", required=True, action="append",
        help="a private key file: the team's, an older team key after rotation, or the recovery key (repeat for several)",
    )
    p.add_argument("--format", choices=["csv", "json"], default="csv")
    p.add_argument("--status", choices=["new", "handled"])
    p.add_argument("--out", help="write to this new file (owner-only) instead of the screen")
    p.set_defaults(func=cmd_export)

    p = with_db(sub.add_parser("mark-handled", help="mark referrals as handled"))
    p.add_argument("references", nargs="+", metavar="REF")
    p.set_defaults(func=cmd_mark_handled)

    p = with_db(sub.add_parser("purge", help="delete referrals closed more than N days ago (never open ones)"))
    p.add_argument("--days", type=int, help="keep closed referrals this many days (default: $REFERRALS_RETENTION_DAYS)")
    p.add_argument(
        "--clock-is-right", action="store_true",
        help="after a stop for a clock jump: you checked the server's clock, purge by it again",
    )
    p.set_defaults(func=cmd_purge)

    from .feedback_cli import add_commands as add_feedback_commands

    add_feedback_commands(sub, with_db)  # feedback counts | comments | purge

    p = with_db(sub.add_parser("staff", help="the inbox's staff: add, remove, list or reset (a new sign-up link)"))
    p.add_argument("action", choices=["add", "remove", "list", "reset"])
    p.add_argument("id", nargs="?", help="the staff id, for example sam")
    p.add_argument("--name", help="the member's name, for add")
    p.add_argument("--inbox-url", help="the inbox's address for the sign-up link (default: $REFERRALS_INBOX_ORIGIN)")
    p.add_argument("--all", action="store_true", help="list removed members too")
    p.set_defaults(func=cmd_staff)

    p = with_db(sub.add_parser("audit", help="print the audit log: every staff action, oldest first"))
    p.add_argument("--reference", help="only this referral's trail")
    p.add_argument("--since", help="only from this date (YYYY-MM-DD, the charity's time zone)")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("serve", help="run the referral service (production; settings from REFERRALS_* variables)")
    p.add_argument("--host", default=os.environ.get("REFERRALS_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("REFERRALS_PORT", "8081")))
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("inbox", help="run the staff inbox (its own origin: REFERRALS_INBOX_ORIGIN; settings as for serve)")
    p.add_argument("--host", default=os.environ.get("REFERRALS_INBOX_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("REFERRALS_INBOX_PORT", "8082")))
    p.set_defaults(func=cmd_inbox)

    p = sub.add_parser("dev", help="serve the built site and the form, and the staff inbox at http://localhost:8001 (development only)")
    p.add_argument("--site", default="output")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--inbox-port", type=int, default=8001, help="the staff inbox's port (at http://localhost:PORT)")
    p.add_argument("--data-dir", default="var", help="where the dev database and DEVELOPMENT-ONLY keys live")
    p.add_argument("--wait", type=int, default=60, help="seconds to wait for the site to be built")
    p.set_defaults(func=cmd_dev)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CommandError, crypto.KeyFileError, StoreError, SettingsError) as exc:
        print(f"referrals: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"referrals: file not found: {exc.filename}", file=sys.stderr)
        return 1
    except PermissionError as exc:
        print(f"referrals: permission denied: {exc.filename}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
