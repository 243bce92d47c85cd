"""Fixtures for tests/partners/: ``headers_server`` (the session build served with the
headers of its own ``_headers`` file). See partners_helpers.py."""

from __future__ import annotations

import pytest

from partners_helpers import serve_with_headers


@pytest.fixture(scope="session")
def headers_server(built_site) -> str:
    with serve_with_headers(built_site) as url:
        yield url
