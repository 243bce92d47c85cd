"""Settings from REFERRALS_* variables, and a clear one-line refusal to start when wrong."""

import pytest

from referrals.settings import SettingsError, from_env

from referral_helpers import run_cli


def test_settings_from_environment():
    s = from_env({
        "REFERRALS_DATABASE": "sqlite:////var/lib/x.sqlite3",
        "REFERRALS_ALLOWED_ORIGINS": "https://www.oxpip.org.uk, https://oxpip.org.uk/",
        "REFERRALS_RATE_LIMIT": "5/60",
        "REFERRALS_SMTP_HOST": "smtp.example",
        "REFERRALS_SMTP_FROM": "web@oxpip.org.uk",
        "REFERRALS_SMTP_TO": "a@oxpip.org.uk,b@oxpip.org.uk",
        "REFERRALS_SMTP_STARTTLS": "yes",
        "REFERRALS_RETENTION_DAYS": "90",
        "REFERRALS_TRUSTED_PROXIES": "127.0.0.1,::1",
    })
    assert s.allowed_origins == ("https://www.oxpip.org.uk", "https://oxpip.org.uk")
    assert (s.rate_limit_count, s.rate_limit_window_seconds) == (5, 60.0)
    assert s.smtp_to == ("a@oxpip.org.uk", "b@oxpip.org.uk") and s.smtp_starttls and s.notifications_enabled
    assert s.retention_days == 90 and s.trusted_proxies == ("127.0.0.1", "::1")
    assert "smtp_password" not in repr(s), "the SMTP password never appears in logs or tracebacks"


@pytest.mark.parametrize(
    "env, fragment",
    [
        ({"REFERRALS_ALLOWED_ORIGINS": "www.oxpip.org.uk"}, "is not an origin"),
        ({"REFERRALS_ALLOWED_ORIGINS": "https://www.oxpip.org.uk/form"}, "is not an origin"),
        ({"REFERRALS_RATE_LIMIT": "lots"}, "must be a number"),
        ({"REFERRALS_SMTP_HOST": "smtp.example"}, "REFERRALS_SMTP_FROM and REFERRALS_SMTP_TO"),
        ({"REFERRALS_SMTP_STARTTLS": "maybe"}, "true or false"),
        ({"REFERRALS_MAX_BODY_BYTES": "1000"}, "the largest honest form"),
        ({"REFERRALS_RETENTION_DAYS": "-1"}, "must not be negative"),
    ],
)
def test_bad_settings_are_named(env, fragment):
    with pytest.raises(SettingsError, match=fragment):
        from_env(env)


def test_serve_refuses_to_start_with_one_clear_line(tmp_path, referral_site):
    proc = run_cli("serve", "--port", "1", env={
        "REFERRALS_PUBLIC_KEY": str(tmp_path / "missing.key"),
        "REFERRALS_SITE_DIR": str(referral_site),
        "REFERRALS_ALLOWED_ORIGINS": "https://www.oxpip.org.uk",
    })
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "referrals: cannot start: No public key file at" in proc.stderr


def test_serve_refuses_without_a_built_site(tmp_path, keys):
    proc = run_cli("serve", "--port", "1", env={
        "REFERRALS_PUBLIC_KEY": str(keys[1]),
        "REFERRALS_SITE_DIR": str(tmp_path),
        "REFERRALS_ALLOWED_ORIGINS": "https://www.oxpip.org.uk",
    })
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "run `make html` first" in proc.stderr
