"""What the confirmation page may say about a referral: the parent's choices, never their words.

After a referral is stored, the confirmation page says kindly what happens next in the
way the parent asked: phone or email first, whether a message may be left, that we will
keep to the times they said are safe, and a note if they may live outside Oxfordshire or
their child may be over 2. Only these fixed keys travel to the page (in a short-lived
signed cookie, see app.py); what the parent typed (the safe times themselves, their
name, their worries) never does. The words for each key are in the built page
(theme/templates/referral_received.html), where they can be edited and translated.
"""

from __future__ import annotations

from typing import Mapping

# A note before everything else: the same form was sent again, and not stored twice.
REPEAT_NOTES = ("already_sent",)
# Sentences in the "How we will contact you" box, in this order.
CONTACT_CHOICES = ("by_phone", "by_email", "no_message", "message_ok", "safe_times")
# Notes of their own, after it.
AREA_NOTES = ("outside", "over_2")
ALL_KEYS = REPEAT_NOTES + CONTACT_CHOICES + AREA_NOTES
CONTACT_BOX = "contact"  # the box the contact sentences go in


def choices(answers: Mapping[str, str], notes: Mapping[str, str]) -> list[str]:
    """The keys for a stored referral: answers and notes as validation.validate() returns them.

    >>> choices({"preferred_contact": "phone", "leave_message": "no", "safe_times": "mornings"},
    ...         {"area": "outside", "child_age": "under_2"})
    ['by_phone', 'no_message', 'safe_times', 'outside']
    """
    keys = []
    contact = answers.get("preferred_contact")
    if contact in ("phone", "email"):
        keys.append(f"by_{contact}")
    message = answers.get("leave_message")
    if message in ("yes", "no"):
        keys.append("message_ok" if message == "yes" else "no_message")
    if (answers.get("safe_times") or "").strip():
        keys.append("safe_times")
    keys += [note for note in (notes.get("area"), notes.get("child_age")) if note in AREA_NOTES]
    return keys


def known(keys) -> tuple[str, ...]:
    """Only the keys above, each once, in page order (a forged cookie cannot add others)."""
    wanted = set(k for k in keys if isinstance(k, str))
    return tuple(k for k in ALL_KEYS if k in wanted)
