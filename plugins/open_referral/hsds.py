"""Pure helpers: OXPIP's services as Open Referral UK (HSDS-UK 3.0) records.

Identifiers are UUIDs derived from each service's slug (uuid5), so they never change
between builds and stay the same when the site moves to another address.
"""

from __future__ import annotations

import html as html_lib
import re
import uuid
from datetime import datetime, timezone

from sections.sections import areas_of, is_free

NAMESPACE = uuid.uuid5(uuid.NAMESPACE_DNS, "oxpip.org.uk")
PROFILE = "HSDS-UK-3.0"
PROFILE_URL = "https://github.com/OpenReferralUK/uk-profile"


def uid(*parts: str) -> str:
    return str(uuid.uuid5(NAMESPACE, ":".join(parts)))


def plain_text(html: str) -> str:
    """Readable plain text from page HTML: paragraphs and headings apart, list items as "- "."""
    html = re.sub(r"</(p|h[1-6]|div|section|ul|ol)>", "\n\n", html or "")
    html = re.sub(r"<li[^>]*>", "\n- ", html)
    text = html_lib.unescape(re.sub(r"<[^>]+>", "", html))
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(years?|months?)?", re.I)


def age_range(text: str) -> tuple[float, float] | None:
    """(minimum, maximum) age in years from "Pregnancy to 2 years", "0 to 5 years" or
    "6 months to 2 years". Pregnancy or birth counts as 0. None if no age is given."""
    text = (text or "").strip()
    matches = list(NUMBER.finditer(text))
    if not matches:
        return None
    values, unit = [], None
    for match in reversed(matches):  # "0 to 5 years": the 0 is in years too
        unit = (match.group(2) or unit or "years").lower()
        number = float(match.group(1))
        values.append(number / 12 if unit.startswith("month") else number)
    values.reverse()
    starts_at_zero = re.match(r"(pregnan|birth|newborn|bump)", text, re.I) or len(values) == 1
    return (0.0 if starts_at_zero else values[0], values[-1])


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as HSDS asks for last_modified."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{moment.microsecond // 1000:03d}Z"


def organization(*, base: str, name: str, short_name: str, description: str, contact: dict,
                 site_url: str) -> dict:
    org_id = uid("organization", short_name.lower())
    record = {
        "id": org_id,
        "name": name,
        "alternate_name": short_name,
        "description": description,
        "email": contact.get("email", ""),
        "website": site_url,
        "logo": f"{base}/theme/img/share.png",
    }
    number = str(contact.get("charity_number") or "").strip()
    if number and not contact.get("example"):
        record["organization_identifiers"] = [{
            "id": uid("organization", short_name.lower(), "charity-number"),
            "organization_id": org_id,
            "identifier_scheme": "GB-CHC",
            "identifier_type": "Registered charity number (England and Wales)",
            "identifier": number,
        }]
    return record


def service(*, slug: str, name: str, summary: str, body_html: str, url: str, ages: str, areas: str,
            cost: str, contact: dict, contact_url: str, funders: list[dict], funders_url: str,
            org: dict, area_uris: dict[str, str], modified: datetime | None) -> dict:
    """One fully nested service (the /services/{id} response)."""
    sid = uid("service", slug)
    record = {
        "id": sid,
        "organization_id": org["id"],
        "name": name,
        "description": summary + ("\n\n" + plain_text(body_html) if body_html else ""),
        "url": url,
        "email": contact.get("email", ""),
        "status": "active",
        "fees_description": cost,
        "eligibility_description": f"Parents and carers: {ages}. Where: {areas}.",
        "application_process": (
            "Parents and carers can refer themselves online or by phone. Professionals can "
            "refer a family with the family's agreement."),
    }
    ages_range = age_range(ages)
    if ages_range is not None:
        low, high = ages_range
        record["minimum_age"] = int(low) if low == int(low) else low
        record["maximum_age"] = int(high) if high == int(high) else high
    if modified is not None:
        record["last_modified"] = timestamp(modified)
    record["service_areas"] = []
    for area in areas_of(areas):
        entry = {"id": uid("service", slug, "area", area.lower()), "service_id": sid,
                 "name": area, "service_area": area}
        if area in area_uris:
            entry["uri"] = area_uris[area]
        record["service_areas"].append(entry)
    record["contacts"] = [{
        "id": uid("service", slug, "contact", "intake"),
        "service_id": sid,
        "name": "Intake team",
        "title": "First contact for new referrals",
        "email": contact.get("email", ""),
        "phones": [{
            "id": uid("service", slug, "contact", "intake", "phone"),
            "number": contact.get("phone", ""),
            "description": contact.get("phone_hours", ""),
        }] if contact.get("phone") else [],
        "url": contact_url,
    }]
    option = {"id": uid("service", slug, "cost"), "service_id": sid, "option": cost,
              "amount_description": cost, "currency": "GBP", "url": url}
    if is_free(cost):
        option["amount"] = 0
    record["cost_options"] = [option]
    record["funding"] = [{"id": uid("service", slug, "funding", f["key"]), "service_id": sid,
                          "source": f"{f['name']}: {f.get('funded', '')}".rstrip(": "),
                          "url": funders_url} for f in funders]
    record["organization"] = org
    return record


LIST_FIELDS = ("id", "organization_id", "name", "description", "url", "email", "status",
               "fees_description", "eligibility_description", "minimum_age", "maximum_age",
               "last_modified")


def list_item(full: dict) -> dict:
    """The direct properties of a service, as the /services list shows them."""
    item = {k: full[k] for k in LIST_FIELDS if k in full}
    item["organization"] = {k: full["organization"][k] for k in
                            ("id", "name", "description", "email", "website") if k in full["organization"]}
    return item


def page(items: list[dict]) -> dict:
    """The /services response: one page holding every service (there are few)."""
    return {
        "total_items": len(items),
        "total_pages": 1,
        "page_number": 1,
        "size": len(items),
        "first_page": True,
        "last_page": True,
        "empty": not items,
        "contents": items,
    }


def api_details(openapi_url: str) -> dict:
    """The / response: which version and profile this feed follows."""
    return {"version": "3.0", "profile": PROFILE_URL, "openapi_url": openapi_url}
