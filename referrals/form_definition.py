"""The one definition of the self-referral form.

The static page (built by Pelican) and the service's validation both read this module, so
a label, hint, limit or error message is written once. Wording follows the GOV.UK
error-message guidance and is meant for a reading age of about 9 to 11.

Every label, hint, choice and message is English text marked with ``N_()``: it is the
msgid of the gettext catalogues (translations/), so ``make translations`` finds it and the
form is drawn and checked in each language that has a translated form page. A message may
hold ``{earliest}`` (a date, written in the page's language); translations keep it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from .i18n import N_

FORM_VERSION = 1
PAGE_PATH = "/get-support/refer-yourself/"
RECEIVED_PATH = "/get-support/refer-yourself/received/"

# Hidden, non-question fields.
TOKEN_FIELD = "form_token"
HONEYPOT_FIELD = "website"


@dataclass(frozen=True)
class Option:
    """One radio or checkbox choice; `reveals` names fields shown when it is chosen."""

    value: str
    label: str
    hint: str = ""
    reveals: tuple[str, ...] = ()


@dataclass(frozen=True)
class Field:
    """One question. `kind` is text, tel, email, textarea, radios, checkbox, date or month-year."""

    name: str
    kind: str
    label: str
    hint: str = ""
    hint_html: str = ""  # trusted HTML, written here only; {root} is the site's root, relative to the form
    required: bool = True
    max_length: int = 0
    autocomplete: str = ""
    width: str = ""  # CSS modifier, for example "ox-input--width-20"
    input_mode: str = ""
    spellcheck: bool | None = None
    options: tuple[Option, ...] = ()
    legend_size: str = "m"  # radios, dates and checkbox fieldsets
    messages: Mapping[str, str] = field(default_factory=dict)
    nested: bool = False  # shown inside another field's conditional reveal

    @property
    def optional(self) -> bool:
        return not self.required

    def part_names(self) -> tuple[str, ...]:
        """The HTML names that make up this question (dates have several inputs)."""
        if self.kind == "date":
            return (f"{self.name}-day", f"{self.name}-month", f"{self.name}-year")
        if self.kind == "month-year":
            return (f"{self.name}-month", f"{self.name}-year")
        return (self.name,)

    def option_id(self, index: int) -> str:
        """GOV.UK ids: the first choice takes the field's name so error links land on it."""
        return self.name if index == 0 else f"{self.name}-{index + 1}"


@dataclass(frozen=True)
class Group:
    """A fieldset that gathers related questions under one legend."""

    name: str
    legend: str
    hint: str
    fields: tuple[str, ...]


FIELDS: tuple[Field, ...] = (
    Field(
        name="full_name",
        kind="text",
        label=N_("Your full name"),
        hint=N_("So we know who you are and what to call you."),
        max_length=200,
        autocomplete="name",
        spellcheck=False,
        messages={
            "required": N_("Enter your full name"),
            "too_long": N_("Full name must be 200 characters or fewer"),
        },
    ),
    Field(
        name="phone",
        kind="tel",
        label=N_("Phone number"),
        hint=N_("We only use it to call or text you about support. For example, 07700 900 982."),
        required=False,
        max_length=30,
        autocomplete="tel",
        width="ox-input--width-20",
        messages={
            "one_of": N_("Enter a phone number or an email address"),
            "invalid": N_("Enter a phone number, like 01865 123 456, 07700 900 982 or +44 7700 900 982"),
            "too_long": N_("Phone number must be 30 characters or fewer"),
            "needed_for_choice": N_("Enter a phone number, or choose email as the best way to contact you"),
        },
    ),
    Field(
        name="email",
        kind="email",
        label=N_("Email address"),
        hint=N_("We only use it to write to you about support."),
        required=False,
        max_length=254,
        autocomplete="email",
        spellcheck=False,
        messages={
            "invalid": N_("Enter an email address in the correct format, like name@example.com"),
            "too_long": N_("Email address must be 254 characters or fewer"),
            "needed_for_choice": N_("Enter an email address, or choose phone as the best way to contact you"),
        },
    ),
    Field(
        name="preferred_contact",
        kind="radios",
        label=N_("Which is the best way to contact you?"),
        hint=N_("We will try this way first."),
        options=(Option("phone", N_("Phone")), Option("email", N_("Email"))),
        messages={"required": N_("Select if phone or email is the best way to contact you")},
    ),
    Field(
        name="leave_message",
        kind="radios",
        label=N_("Is it safe for us to leave a message?"),
        hint=N_("For example, a voicemail, text or email. Choose no if someone else might see or hear it."),
        options=(Option("yes", N_("Yes")), Option("no", N_("No"))),
        messages={"required": N_("Select yes if it is safe for us to leave a message, or no if it is not")},
    ),
    Field(
        name="safe_times",
        kind="text",
        label=N_("Safe times to call you (optional)"),
        hint=N_("For example, weekday mornings, or not after 5pm."),
        required=False,
        max_length=200,
        autocomplete="off",  # never offered back by the browser: it can say when someone is away
        messages={"too_long": N_("Safe times to call must be 200 characters or fewer")},
    ),
    Field(
        name="location",
        kind="text",
        label=N_("Your town or postcode"),
        hint=N_(
            "So we can check that we cover your area. We work across Oxfordshire. "
            "If you live somewhere else, we will still help you find support."
        ),
        max_length=100,
        autocomplete="postal-code",
        width="ox-input--width-20",
        spellcheck=False,
        messages={
            "required": N_("Enter your town or postcode"),
            "too_long": N_("Town or postcode must be 100 characters or fewer"),
        },
    ),
    Field(
        name="baby_status",
        kind="radios",
        label=N_("Are you pregnant, or is your baby born?"),
        hint=N_("We support parents and carers from pregnancy until a child is 2 years old."),
        options=(
            Option("pregnant", N_("I am pregnant"), reveals=("due_date",)),
            Option("born", N_("My baby is born"), reveals=("birth_date",)),
        ),
        messages={"required": N_("Select if you are pregnant or your baby is born")},
    ),
    Field(
        name="due_date",
        kind="month-year",
        label=N_("When is your baby due?"),
        hint=N_("For example, 3 2026"),
        nested=True,
        legend_size="s",
        messages={
            "required": N_("Enter your due date"),
            "missing_month": N_("Due date must include a month"),
            "missing_year": N_("Due date must include a year"),
            "invalid": N_("Due date must be a real date"),
            "year_digits": N_("Year must include 4 numbers"),
            "too_early": N_("Due date must be this month or later. If your baby is born, choose ‘My baby is born’"),
            "too_late": N_("Due date must be within the next 10 months"),
        },
    ),
    Field(
        name="birth_date",
        kind="date",
        label=N_("What is your baby’s date of birth?"),
        hint=N_("For example, 27 3 2025"),
        nested=True,
        legend_size="s",
        messages={
            "required": N_("Enter your baby’s date of birth"),
            "missing_day": N_("Date of birth must include a day"),
            "missing_month": N_("Date of birth must include a month"),
            "missing_year": N_("Date of birth must include a year"),
            "invalid": N_("Date of birth must be a real date"),
            "year_digits": N_("Year must include 4 numbers"),
            "future": N_("Date of birth must be today or in the past"),
            "too_old": N_("Date of birth must be after {earliest}. Enter your child’s date of birth, not your own"),
        },
    ),
    Field(
        name="relationship",
        kind="radios",
        label=N_("How are you related to the baby?"),
        hint=N_("We support mothers, fathers and other carers, such as grandparents or foster carers."),
        options=(
            Option("mother", N_("Mother")),
            Option("father", N_("Father")),
            Option("other", N_("Another parent or carer"), reveals=("relationship_other",)),
        ),
        messages={"required": N_("Select how you are related to the baby")},
    ),
    Field(
        name="relationship_other",
        kind="text",
        label=N_("How do you care for the baby?"),
        hint=N_("For example, grandparent, step-parent or foster carer."),
        max_length=100,
        nested=True,
        messages={
            "required": N_("Enter how you care for the baby"),
            "too_long": N_("How you care for the baby must be 100 characters or fewer"),
        },
    ),
    Field(
        name="worries",
        kind="textarea",
        label=N_("What is worrying you? (optional)"),
        hint=N_(
            "Tell us as much or as little as you like. It helps us get ready to talk with you. "
            "You can also tell us when we speak."
        ),
        required=False,
        max_length=2000,
        messages={"too_long": N_("What is worrying you must be 2,000 characters or fewer")},
    ),
    Field(
        name="heard_about",
        kind="text",
        label=N_("How did you hear about us? (optional)"),
        hint=N_("For example, from a health visitor, GP, midwife or friend. This helps us reach more families."),
        required=False,
        max_length=200,
        messages={"too_long": N_("How you heard about us must be 200 characters or fewer")},
    ),
    Field(
        name="consent",
        kind="checkbox",
        label=N_("Can we keep your details?"),
        hint_html=N_(
            'We keep your details safe and only use them to contact you about support. '
            'Read our <a href="{root}privacy/" hreflang="en-GB" target="_blank" rel="noreferrer noopener">'
            "privacy notice (opens in new tab)</a>."
        ),
        options=(Option("yes", N_("I agree that OXPIP can store my details and use them to contact me")),),
        messages={"required": N_("Select that you agree we can store your details and contact you")},
    ),
)

GROUPS: tuple[Group, ...] = (
    Group(
        name="contact",
        legend=N_("How can we contact you?"),
        hint=N_("Give us a phone number, an email address, or both."),
        fields=("phone", "email"),
    ),
)

# The order questions appear on the page: field names, or group names for fieldsets.
LAYOUT: tuple[str, ...] = (
    "full_name",
    "contact",
    "preferred_contact",
    "leave_message",
    "safe_times",
    "location",
    "baby_status",
    "relationship",
    "worries",
    "heard_about",
    "consent",
)

SUBMIT_LABEL = N_("Send referral")

BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
GROUPS_BY_NAME: dict[str, Group] = {g.name: g for g in GROUPS}

# Every HTML input name the form can send, and nothing else is read.
ALL_INPUT_NAMES: frozenset[str] = frozenset(
    [n for f in FIELDS for n in f.part_names()] + [TOKEN_FIELD, HONEYPOT_FIELD]
)

# The largest honest body: every field at its limit, in UTF-8 and percent-encoded.
MAX_HONEST_BODY_BYTES = 9 * sum(max(f.max_length, 20) for f in FIELDS) + 2048


def field_order() -> list[Field]:
    """Questions in page order, nested ones straight after the choice that reveals them."""
    ordered: list[Field] = []
    for name in LAYOUT:
        names = GROUPS_BY_NAME[name].fields if name in GROUPS_BY_NAME else (name,)
        for n in names:
            f = BY_NAME[n]
            ordered.append(f)
            for option in f.options:
                ordered.extend(BY_NAME[r] for r in option.reveals)
    return ordered


def _check_definition() -> None:
    """Fail at import if the definition contradicts itself (cheap, and catches typos)."""
    placed = [f.name for f in field_order()]
    assert sorted(placed) == sorted(BY_NAME), "every field must appear exactly once in LAYOUT"
    for f in FIELDS:
        if f.max_length:
            assert "too_long" in f.messages, f.name
        if f.required and f.kind not in ("tel", "email"):
            assert "required" in f.messages, f.name


_check_definition()
