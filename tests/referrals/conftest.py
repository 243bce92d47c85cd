"""Fixtures for the referral service's tests: a built site, keys, an app, a dev server.

The site is built once per session from the real content/ with the referral_form plugin
switched on, into a temporary folder (set REFERRALS_TEST_SITE to reuse an already built
output/ instead). Every server runs on 127.0.0.1 on a port picked free at run time.
Plain helpers live in referral_helpers.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from referral_helpers import ORIGIN, ROOT, app_client, free_port, site_plugins, start_server
from referrals import crypto
from referrals.pages import FORM_END, FORM_PAGE, FORM_START
from referrals.settings import Settings



def pytest_configure(config):
    # Starlette 1.x nudges towards httpx2 for its test client; httpx works the same here.
    config.addinivalue_line("filterwarnings", "ignore:Using `httpx` with `starlette.testclient`")


@pytest.fixture(scope="session")
def referral_site(tmp_path_factory) -> Path:
    """The built site: from REFERRALS_TEST_SITE, or built here once per session."""
    given = os.environ.get("REFERRALS_TEST_SITE")
    if given:
        out = Path(given)
    else:
        out = tmp_path_factory.mktemp("referral-site")
        proc = subprocess.run(
            [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", str(out),
             "-e", f"PLUGINS={json.dumps(site_plugins())}"],
            cwd=ROOT, capture_output=True, text=True, timeout=240,
        )
        if proc.returncode != 0:
            pytest.fail(f"site build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    html = (out / FORM_PAGE).read_text(encoding="utf-8")
    assert FORM_START in html and FORM_END in html, "the form page lacks the referral-form markers"
    return out


@pytest.fixture(scope="session")
def keys(tmp_path_factory):
    """The intake team's key pair for this session: (private path, public path)."""
    folder = tmp_path_factory.mktemp("keys")
    private, public = crypto.generate_keypair()
    crypto.write_private_key(folder / "private.key", private)
    crypto.write_public_key(folder / "public.key", public)
    return folder / "private.key", folder / "public.key"


@pytest.fixture
def settings(tmp_path, referral_site, keys) -> Settings:
    return Settings(
        database=str(tmp_path / "data" / "referrals.sqlite3"),
        public_key=keys[1],
        site_dir=referral_site,
        allowed_origins=(ORIGIN,),
        token_secret="test-secret-not-for-production",
        token_min_seconds=0,
        rate_limit_count=0,
    )


@pytest.fixture
def data_dir(settings) -> Path:
    Path(settings.database).parent.mkdir(parents=True, exist_ok=True)
    return Path(settings.database).parent


@pytest.fixture
def client(settings, data_dir):
    with app_client(settings) as c:
        yield c


@pytest.fixture
def dev_server(tmp_path, referral_site):
    """`python -m referrals dev`: the built site and the form on one origin, as `make serve` runs it."""
    port, inbox_port = free_port(), free_port()
    server = start_server(
        ["dev", "--site", str(referral_site), "--port", str(port), "--inbox-port", str(inbox_port),
         "--data-dir", str(tmp_path / "var"), "--wait", "0"],
        {"REFERRALS_TOKEN_MIN_SECONDS": "0"},
        tmp_path / "dev-server.log",
        port,
    )
    server.data_dir = tmp_path / "var"
    server.inbox_port = inbox_port
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres():
    """One throwaway PostgreSQL server per session (see postgres_server.py); started only
    when a test asks for it. Each test takes a fresh schema or database from it."""
    from postgres_server import session_cluster

    yield from session_cluster()
