"""Open Referral UK (HSDS-UK 3.0) service data validates against the official schemas."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import partners_helpers  # noqa: F401  (puts plugins/ on sys.path)
from open_referral import hsds

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas" / "openreferral-uk"
LIVE = "https://www.oxpip.org.uk"


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


REGISTRY = Registry().with_resources(
    (name, Resource(schema(name), specification=DRAFT202012))
    for name in ("service.json", "service_list.json", "oxpip-page.json"))


def errors(instance, root: dict) -> list[str]:
    validator = Draft202012Validator(root, registry=REGISTRY, format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


@pytest.fixture(scope="module")
def data(built_site):
    folder = built_site / "open-referral"
    services = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (folder / "services").glob("*.json")}
    return {
        "root": json.loads((folder / "index.json").read_text(encoding="utf-8")),
        "list": json.loads((folder / "services.json").read_text(encoding="utf-8")),
        "services": services,
        "orgs": [json.loads(p.read_text(encoding="utf-8")) for p in (folder / "organizations").glob("*.json")],
    }


def test_the_official_schemas_are_kept_with_their_licence():
    assert "CC BY-SA 4.0" in (SCHEMAS / "README.md").read_text(encoding="utf-8")
    assert "creativecommons.org/licenses/by-sa/4.0" in (SCHEMAS / "LICENSE").read_text(encoding="utf-8")
    assert len((SCHEMAS / "service.json").read_bytes()) == 104832  # as published upstream


def test_each_service_validates_against_the_official_service_schema(data):
    assert data["services"], "no service was published"
    for name, record in data["services"].items():
        assert errors(record, schema("service.json")) == [], name
        assert record["id"] == name


def test_the_services_list_validates(data):
    assert errors(data["list"], schema("oxpip-page.json")) == []
    assert data["list"]["total_items"] == len(data["services"]) == len(data["list"]["contents"])


def test_the_organization_validates(data):
    organization_schema = schema("service.json")["properties"]["organization"]
    assert len(data["orgs"]) == 1
    assert errors(data["orgs"][0], organization_schema) == []
    assert data["orgs"][0]["name"] == "Oxford Parent-Infant Project"


def test_the_service_carries_what_directories_need(data, built_site):
    record = next(r for r in data["services"].values() if r["url"] == f"{LIVE}/services/therapy-sessions/")
    assert (record["minimum_age"], record["maximum_age"]) == (0, 2)
    assert "Pregnancy to 2 years" in record["eligibility_description"]
    assert [a["name"] for a in record["service_areas"]] == ["Oxfordshire"]
    assert record["service_areas"][0]["uri"].endswith("/E10000025")
    assert record["cost_options"][0]["amount"] == 0 and record["fees_description"] == "Free"
    contact = record["contacts"][0]
    assert contact["email"] and contact["phones"][0]["number"]
    assert record["description"].startswith("Free sessions with a trained therapist")
    assert "<" not in record["description"], "descriptions are plain text"
    assert record["status"] == "active" and record["organization"]["id"] == record["organization_id"]
    assert {f["source"].split(":")[0] for f in record["funding"]} == {
        "Didcot Powerhouse Fund", "The National Lottery Community Fund"}
    datetime.fromisoformat(record["last_modified"].replace("Z", "+00:00"))
    for url in (record["url"], contact["url"], record["organization"]["website"]):
        assert url.startswith(LIVE + "/")
        assert (built_site / url[len(LIVE) + 1:] / "index.html").is_file(), url


def test_identifiers_are_stable_uuids(data):
    record = next(iter(data["services"].values()))
    assert record["id"] == str(uuid.uuid5(hsds.NAMESPACE, "service:therapy-sessions"))
    ids = [record["id"], record["organization_id"]] + [c["id"] for c in record["contacts"]] + \
        [a["id"] for a in record["service_areas"]] + [c["id"] for c in record["cost_options"]]
    assert len(set(ids)) == len(ids)


def test_the_api_details_and_hsda_paths(data, built_site):
    assert data["root"]["version"] == "3.0" and "uk-profile" in data["root"]["profile"]
    rules = (built_site / "_redirects").read_text(encoding="utf-8")
    assert "/open-referral/services /open-referral/services.json 200" in rules
    for service_id in data["services"]:
        assert f"/open-referral/services/{service_id} /open-referral/services/{service_id}.json 200" in rules


@pytest.mark.parametrize("text,expected", [
    ("Pregnancy to 2 years", (0, 2)), ("0 to 5 years", (0, 5)), ("6 months to 2 years", (0.5, 2)),
    ("Any age", None)])
def test_ages_are_read_from_the_front_matter(text, expected):
    assert hsds.age_range(text) == expected
