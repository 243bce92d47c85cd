"""A rough guess at whether a town or postcode is in Oxfordshire, for the intake team only.

It is never used to refuse anyone: a referral from elsewhere is kept and the parent is told
we will help them find support near them. "unknown" is a normal answer (villages, typos).
"""

from __future__ import annotations

import re

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})?$")
_POSTCODE_INSIDE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?[0-9][A-Z]{2}\b")
# Outward codes wholly or mostly in Oxfordshire: OX, plus Sonning Common, Goring, Henley,
# Shrivenham and Faringdon.
_OXFORDSHIRE_OUTWARD = re.compile(r"^(OX[0-9]{1,2}|RG4|RG8|RG9|SN6|SN7)$")
_TOWNS = frozenset({
    "oxford", "abingdon", "banbury", "bicester", "burford", "carterton", "charlbury",
    "chinnor", "chipping norton", "cholsey", "didcot", "eynsham", "faringdon", "goring",
    "grove", "henley", "henley-on-thames", "henley on thames", "kidlington", "shrivenham",
    "sonning common", "thame", "wallingford", "wantage", "watlington", "wheatley", "witney",
    "woodstock", "headington", "cowley", "blackbird leys", "littlemore", "marston", "botley",
    "kennington", "berinsfield", "benson", "bampton", "bloxham", "deddington", "hook norton",
    "steventon", "sutton courtenay", "harwell", "great western park", "culham", "radley",
    "cumnor",
})


def classify(location: str) -> str:
    """Return "oxfordshire", "outside" or "unknown" for a town or postcode as typed."""
    text = location.strip()
    upper = re.sub(r"\s+", " ", text.upper())
    postcode = _POSTCODE.match(upper) or _POSTCODE_INSIDE.search(upper)
    if postcode:
        return "oxfordshire" if _OXFORDSHIRE_OUTWARD.match(postcode.group(1)) else "outside"
    parts = [re.sub(r"\s+", " ", re.sub(r"[^a-z\- ]", " ", p)).strip() for p in text.lower().split(",")]
    if any(p in _TOWNS for p in parts) or any("oxfordshire" in p for p in parts):
        return "oxfordshire"
    return "unknown"
