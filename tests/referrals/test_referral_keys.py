"""Key rotation and the recovery key: each row knows its key id, old referrals stay readable
with the old key, and with a recovery pair every referral is sealed to both keys."""

from __future__ import annotations

import json
from dataclasses import replace

from referral_helpers import app_client, db_rows, run_cli, submit, valid_answers
from referrals import crypto


def test_keygen_with_a_recovery_pair_and_both_keys_open_every_referral(settings, data_dir, tmp_path):
    (tmp_path / "office").mkdir()
    (tmp_path / "safe").mkdir()
    team_private, team_public = tmp_path / "office" / "team.key", tmp_path / "team-public.key"
    rec_private, rec_public = tmp_path / "safe" / "recovery.key", tmp_path / "recovery-public.key"
    made = run_cli(
        "keygen", "--database", settings.database, "--private", team_private, "--public", team_public,
        "--recovery-private", rec_private, "--recovery-public", rec_public,
    )
    assert made.returncode == 0, made.stderr
    team_id = crypto.key_id(crypto.load_public_key(team_public))
    recovery_id = crypto.key_id(crypto.load_public_key(rec_public))
    assert f"Team key id: {team_id}" in made.stdout and f"Recovery key id: {recovery_id}" in made.stdout
    assert "REFERRALS_RECOVERY_PUBLIC_KEY" in made.stdout
    assert oct(rec_private.stat().st_mode & 0o777) == "0o600"

    with app_client(replace(settings, public_key=team_public, recovery_public_key=rec_public)) as client:
        assert submit(client, valid_answers(full_name="Robin Recovery")).status_code == 303
    [(key_id, recovery_key_id, sealed, recovery_sealed)] = db_rows(
        settings.database, "SELECT key_id, recovery_key_id, sealed, recovery_sealed FROM referrals"
    )
    assert (key_id, recovery_key_id) == (team_id, recovery_id) and sealed != recovery_sealed
    for key in (team_private, rec_private):
        out = run_cli("export", "--database", settings.database, "--key", key, "--format", "json")
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)[0]["answers"]["full_name"] == "Robin Recovery"


def test_after_rotation_old_referrals_open_with_the_old_key_and_new_ones_with_the_new(settings, data_dir, keys, tmp_path):
    old_private, old_public = keys
    with app_client(settings) as client:
        submit(client, valid_answers(full_name="Before Rotation"))
    new_private, new_public = crypto.generate_keypair()
    crypto.write_private_key(tmp_path / "new.key", new_private)
    crypto.write_public_key(tmp_path / "new-public.key", new_public)
    with app_client(replace(settings, public_key=tmp_path / "new-public.key")) as client:
        submit(client, valid_answers(full_name="After Rotation"))
    ids = [r[0] for r in db_rows(settings.database, "SELECT key_id FROM referrals ORDER BY received_at")]
    assert ids == [crypto.key_id(crypto.load_public_key(old_public)), crypto.key_id(new_public)]

    both = run_cli("export", "--database", settings.database, "--key", old_private, "--key", tmp_path / "new.key", "--format", "json")
    assert both.returncode == 0, both.stderr
    assert sorted(d["answers"]["full_name"] for d in json.loads(both.stdout)) == ["After Rotation", "Before Rotation"]
    only_new = run_cli("export", "--database", settings.database, "--key", tmp_path / "new.key", "--format", "json")
    assert [d["answers"]["full_name"] for d in json.loads(only_new.stdout)] == ["After Rotation"]
    assert f"1 referrals need a different key (id {ids[0]})" in only_new.stderr
