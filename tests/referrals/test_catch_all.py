"""The last line of defence (referrals/catch_all.py): an error nobody expected becomes a
page with a way forward, in the service and in the inbox, and one log line that names
where it happened but never what was typed."""

from __future__ import annotations

import logging

import pytest

import referrals.app as service_app
from referrals.inbox.app import Inbox, create_app
from referrals.inbox.settings import InboxSettings
from referral_helpers import app_client, submit, valid_answers

SECRET = "Zoë wrote this in the form"


def _broken(*args, **kwargs):
    raise RuntimeError(SECRET)


def test_the_service_answers_an_unexpected_error_with_its_problem_page(settings, data_dir, monkeypatch, caplog):
    monkeypatch.setattr(service_app, "validate", _broken)
    caplog.set_level(logging.INFO)
    with app_client(settings) as client:
        answer = submit(client, valid_answers())
    assert answer.status_code == 500
    assert "Sorry, there is a problem with the service" in answer.text
    assert "Zoë Ødegård-Nguyễn" in answer.text, "the answers are still in the form"
    lines = [r.getMessage() for r in caplog.records if "unexpected error" in r.getMessage()]
    assert lines == [f"unexpected error RuntimeError at {__name__.rsplit('.', 1)[-1]}.py:{_broken.__code__.co_firstlineno + 1}"]
    assert SECRET not in caplog.text


@pytest.mark.parametrize("path, kind", [("/robots.txt", "page"), ("/api/referrals", "json")])
def test_the_inbox_answers_an_unexpected_error_with_a_plain_page_or_json(settings, data_dir, monkeypatch, caplog, path, kind):
    from starlette.testclient import TestClient

    monkeypatch.setattr(Inbox, "robots", _broken)
    from referrals.inbox import api
    real_routes = api.routes
    monkeypatch.setattr(api, "routes", lambda inbox: [_route_raising(r) if r.path == "/api/referrals" else r
                                                        for r in real_routes(inbox)])
    caplog.set_level(logging.INFO)
    origin = "https://intake.oxpip.example"
    app = create_app(settings, InboxSettings(origin=origin))
    with TestClient(app, base_url=origin, follow_redirects=False) as client:
        answer = client.get(path)
    assert answer.status_code == 503
    if kind == "json":
        assert answer.json() == {"message": "The inbox could not do that just now. Nothing was lost: try again in a minute."}
    else:
        assert "Sorry, the inbox has a problem" in answer.text
    assert "inbox: unexpected error RuntimeError" in caplog.text and SECRET not in caplog.text


def _route_raising(route):
    from starlette.routing import Route

    return Route(route.path, _broken_endpoint, methods=list(route.methods or ["GET"]))


async def _broken_endpoint(request):
    raise RuntimeError(SECRET)
