"""The intake team's CLI, run as staff run it: a separate process, one-line errors."""

import csv
import io
import json
import sqlite3

from referrals import crypto

from referral_helpers import db_rows, run_cli, submit, valid_answers


def assert_one_line_error(proc, fragment):
    assert proc.returncode == 1, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert fragment in lines[0], lines[0]


FORMULAS = {
    "full_name": "=HYPERLINK(\"http://evil.example\",\"x\")",
    "safe_times": "@SUM(1+1)",
    "heard_about": "-2+3",
    "worries": "=cmd|' /C calc'!A0\nsecond line, with \"quotes\"",
    "location": "+OX4 1AA",
}


def test_export_csv_decrypts_exactly_what_was_typed_and_is_formula_safe(client, settings, keys):
    answers = valid_answers(**FORMULAS, phone="+44 7700 900982")
    assert submit(client, answers).status_code == 303
    proc = run_cli("export", "--database", settings.database, "--key", keys[0], "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout, newline="")))
    assert len(rows) == 1
    row = rows[0]
    for name, value in answers.items():
        expected = "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
        assert row[name] == expected, name
    assert row["full_name"].startswith("'=")
    assert row["phone"] == "'+44 7700 900982"
    assert row["area"] == "oxfordshire" and row["child_age"] == "pregnant" and row["status"] == "new"


def test_export_json_decrypts_exactly_what_was_typed(client, settings, keys, tmp_path):
    answers = valid_answers(**FORMULAS)
    submit(client, answers)
    out = tmp_path / "export.json"
    proc = run_cli("export", "--database", settings.database, "--key", keys[0], "--format", "json", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert oct(out.stat().st_mode & 0o777) == "0o600", "decrypted referrals are owner-only"
    (doc,) = json.loads(out.read_text(encoding="utf-8"))
    assert {k: doc["answers"][k] for k in answers} == answers
    again = run_cli("export", "--database", settings.database, "--key", keys[0], "--format", "json", "--out", out)
    assert_one_line_error(again, "already exists")


def test_list_shows_reference_time_and_status_but_no_personal_data(client, settings):
    answers = valid_answers(full_name="Listy McListface")
    submit(client, answers)
    proc = run_cli("list", "--database", settings.database)
    assert proc.returncode == 0
    (reference,) = [r[0] for r in db_rows(settings.database)]
    assert reference in proc.stdout and " new " in proc.stdout
    assert "1 referral" in proc.stdout
    for name in ("full_name", "phone", "email", "location", "worries", "safe_times", "heard_about"):
        assert answers[name] not in proc.stdout


def test_mark_handled(client, settings):
    submit(client, valid_answers())
    (reference,) = [r[0] for r in db_rows(settings.database)]
    proc = run_cli("mark-handled", "--database", settings.database, reference.lower())
    assert proc.returncode == 0, proc.stderr
    assert db_rows(settings.database, "SELECT status FROM referrals") == [("handled",)]
    assert_one_line_error(run_cli("mark-handled", "--database", settings.database, "ZZZZ-ZZZZ"), "No referral with reference ZZZZ-ZZZZ")


def test_purge_deletes_only_long_closed_referrals_and_names_what_it_kept(client, settings):
    for _ in range(3):
        submit(client, valid_answers())
    refs = sorted(r[0] for r in db_rows(settings.database))
    conn = sqlite3.connect(settings.database)
    with conn:
        conn.execute("UPDATE referrals SET received_at = '2020-01-01T00:00:00.000000Z' WHERE reference IN (?, ?)", refs[:2])
        conn.execute(
            "UPDATE referrals SET status = 'handled', handled_at = '2020-01-02T00:00:00.000000Z' WHERE reference = ?", refs[:1]
        )
    conn.close()
    proc = run_cli("purge", "--database", settings.database, "--days", "30")
    assert proc.returncode == 0, proc.stderr
    assert f"deleted 1 referral closed more than 30 days ago: {refs[0]}" in proc.stdout
    assert "kept 1 referral received more than 30 days ago that nobody has closed" in proc.stdout
    assert refs[1] in proc.stdout
    assert sorted(r[0] for r in db_rows(settings.database)) == refs[1:]
    assert_one_line_error(run_cli("purge", "--database", settings.database), "--days N")
    env_days = run_cli("purge", "--database", settings.database, env={"REFERRALS_RETENTION_DAYS": "30"})
    assert env_days.returncode == 0 and "deleted 0" not in env_days.stdout and "kept 1 referral" in env_days.stdout


def test_wrong_key_is_named_clearly(client, settings, tmp_path):
    submit(client, valid_answers())
    other, _ = crypto.generate_keypair()
    crypto.write_private_key(tmp_path / "other.key", other)
    proc = run_cli("export", "--database", settings.database, "--key", tmp_path / "other.key")
    assert_one_line_error(proc, "Wrong key: this private key")
    assert proc.stdout == ""


def test_public_key_given_instead_of_private(client, settings, keys):
    submit(client, valid_answers())
    assert_one_line_error(run_cli("export", "--database", settings.database, "--key", keys[1]), "is not a private key")


def test_missing_files(settings, tmp_path, keys):
    assert_one_line_error(run_cli("list", "--database", tmp_path / "nope.sqlite3"), "No referral database at")
    assert_one_line_error(
        run_cli("export", "--database", tmp_path / "nope.sqlite3", "--key", tmp_path / "nope.key"), "No private key file at"
    )
    garbage = tmp_path / "garbage.key"
    garbage.write_bytes(b"\x00\xff not a key")
    assert_one_line_error(run_cli("export", "--database", tmp_path / "x", "--key", garbage), "garbage.key")


def test_locked_database(client, settings):
    submit(client, valid_answers())
    (reference,) = [r[0] for r in db_rows(settings.database)]
    holder = sqlite3.connect(settings.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        proc = run_cli("mark-handled", "--database", settings.database, reference)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_one_line_error(proc, "busy (another program has it locked)")


def test_keygen_refuses_to_put_the_private_key_next_to_the_database(tmp_path):
    db = tmp_path / "referrals.sqlite3"
    proc = run_cli("keygen", "--database", db, "--private", tmp_path / "private.key", "--public", tmp_path / "public.key")
    assert_one_line_error(proc, "Refusing to write the private key next to the database")
    assert not (tmp_path / "private.key").exists()


def test_keygen_writes_an_owner_only_private_key_and_never_overwrites(tmp_path):
    (tmp_path / "staff").mkdir()
    private, public = tmp_path / "staff" / "intake.key", tmp_path / "public.key"
    proc = run_cli("keygen", "--database", tmp_path / "server" / "db.sqlite3", "--private", private, "--public", public)
    assert proc.returncode == 0, proc.stderr
    assert oct(private.stat().st_mode & 0o777) == "0o600"
    assert crypto.key_id(crypto.load_private_key(private).public_key) == crypto.key_id(crypto.load_public_key(public))
    before = private.read_bytes()
    proc = run_cli("keygen", "--database", tmp_path / "server" / "db.sqlite3", "--private", private, "--public", tmp_path / "p2.key")
    assert_one_line_error(proc, "already exists; refusing to overwrite")
    assert private.read_bytes() == before


def test_formula_safe_unit():
    from referrals.cli import formula_safe

    assert [formula_safe(v) for v in ("=1", "+1", "-1", "@x", "\tx", "\rx", "a=1", "", None)] == [
        "'=1", "'+1", "'-1", "'@x", "'\tx", "'\rx", "a=1", "", ""
    ]
