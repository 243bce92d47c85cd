"""Render the referral form's HTML from the form definition with Jinja.

The site build calls `render_form()` once with no answers to make the static page; the
service calls it again with the answers, errors or a problem message. Autoescaping is on,
so whatever a person typed is shown back as text, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Mapping

from jinja2 import Environment, FileSystemLoader, select_autoescape

from . import form_definition
from .validation import FieldError

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Contact:
    """How to reach a person when the form cannot help: shown on every problem message."""

    phone: str = ""
    phone_href: str = ""
    hours: str = ""


_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_form(
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, FieldError] | None = None,
    token: str = "",
    problem: "Problem | None" = None,
) -> str:
    """The form, with answers kept, one error per question and a summary linking to each."""
    errors = dict(errors or {})
    return _env.get_template("referral_form.html").render(
        form=form_definition,
        values=dict(values or {}),
        errors=errors,
        error_items=[(e.message, f"#{e.target}") for e in errors.values()],
        token=token,
        problem=problem,
    )


def render_feedback_form(
    action: str,
    page: str,
    help_href: str,
    comment: str = "",
    errors: Mapping[str, str] | None = None,
    problem: str | None = None,
    back_href: str | None = None,
) -> str:
    """The "Was this page helpful?" form (templates/feedback_form.html).

    action: where it posts (relative, like "../feedback/"); page: the site path it is about;
    help_href: the Get support page; comment: shown back after an error; errors: field ->
    code ("helpful": "missing", "comment": "too_long"); problem: "too_many", "unavailable",
    "other_site" or "could_not_read"; back_href: a link back to the page, after a problem."""
    from .feedback import COMMENT_MAX_CHARS

    return _env.get_template("feedback_form.html").render(
        action=action, page=page, help_href=help_href, comment=comment,
        errors=dict(errors or {}), problem=problem, max_chars=COMMENT_MAX_CHARS, back_href=back_href,
    )


@dataclass(frozen=True)
class Problem:
    """A message shown above the form when the service, not the parent, has a problem."""

    title: str
    html: str  # trusted: built here from fixed text and escaped contact details


def _call_us(contact: Contact) -> str:
    if contact.phone:
        hours = f" ({escape(contact.hours)})" if contact.hours else ""
        href = escape(contact.phone_href or contact.phone.replace(" ", ""))
        return f'call us on <a href="tel:{href}">{escape(contact.phone)}</a>{hours}'
    return 'contact us using the details on our <a href="../../contact/">contact page</a>'


def service_unavailable(contact: Contact) -> Problem:
    return Problem(
        "Sorry, there is a problem with the service",
        "<p>Your referral has not been sent yet. Your answers are still here.</p>"
        f"<p>Try sending it again in a few minutes, or {_call_us(contact)}.</p>",
    )


def too_many_attempts(contact: Contact) -> Problem:
    return Problem(
        "Please wait before sending the form again",
        "<p>We have had a very large number of forms in a short time, "
        "so we have not sent yours yet. Your answers are still here.</p>"
        f"<p>Try again later, or {_call_us(contact)}.</p>",
    )


def could_not_read(contact: Contact) -> Problem:
    return Problem(
        "Sorry, we could not read the form",
        "<p>Your referral has not been sent. Please fill in the form again and send it.</p>"
        f"<p>If this keeps happening, {_call_us(contact)}.</p>",
    )


def other_site(contact: Contact) -> Problem:
    return Problem(
        "Please send the form from our website",
        "<p>This form was sent from another website, so we have not accepted it. "
        "To refer yourself, fill in the form on this page.</p>"
        f"<p>You can also {_call_us(contact)}.</p>",
    )
