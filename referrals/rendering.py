"""Render the referral form's HTML from the form definition with Jinja.

The site build calls `render_form()` once per language with no answers to make the static
pages; the service calls it again with the answers, errors or a problem message, in the
language of the page the form was sent from. Autoescaping is on, so whatever a person typed
is shown back as text, never as markup.

Every word comes through ``words`` (``referrals.i18n.Words``: the project's gettext
catalogues, read once): the templates write ``_('Send referral')``, the labels, hints and
messages of ``form_definition.py`` are msgids, and macros imported without context
translate too, because the language is kept in a context variable for the length of a render.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Mapping

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from . import form_definition
from .i18n import ENGLISH, N_, Words
from .validation import FieldError

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Contact:
    """How to reach a person when the form cannot help: shown on every problem message."""

    phone: str = ""
    phone_href: str = ""
    hours: str = ""


_words: contextvars.ContextVar[Words] = contextvars.ContextVar("oxpip_form_words", default=ENGLISH)


def _gettext(text: str) -> str:
    return _words.get().gettext(text)


def _ngettext(singular: str, plural: str, count: int) -> str:
    return _words.get().ngettext(singular, plural, count)


_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    extensions=["jinja2.ext.i18n"],
)
_env.install_gettext_callables(_gettext, _ngettext, newstyle=True)
_env.globals["number"] = lambda value: _words.get().number(value)
_env.globals["plural_samples"] = lambda: _words.get().language.plural_samples
_env.globals["site_root"] = lambda: site_root(_words.get())


def _render(name: str, words: Words, **context) -> str:
    token = _words.set(words)
    try:
        return _env.get_template(name).render(**context)
    finally:
        _words.reset(token)


def render_form(
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, FieldError] | None = None,
    token: str = "",
    problem: "Problem | None" = None,
    words: Words = ENGLISH,
) -> str:
    """The form, with answers kept, one error per question and a summary linking to each,
    in the language of ``words``. Links in it are relative to the form page, which is one
    folder deeper in another language (/pl/get-support/refer-yourself/)."""
    errors = dict(errors or {})
    return _render(
        "referral_form.html", words,
        form=form_definition,
        values=dict(values or {}),
        errors=errors,
        error_items=[(e.message, f"#{e.target}") for e in errors.values()],
        token=token,
        problem=problem,
        root=site_root(words),
    )


def site_root(words: Words) -> str:
    """The site's root relative to the form page: ../../ in English, ../../../ under /pl/."""
    return "../../" if words.code == ENGLISH.code else "../../../"


def render_feedback_form(
    action: str,
    page: str,
    help_href: str,
    comment: str = "",
    errors: Mapping[str, str] | None = None,
    problem: str | None = None,
    back_href: str | None = None,
    words: Words = ENGLISH,
) -> str:
    """The "Was this page helpful?" form (templates/feedback_form.html), in ``words``' language.

    action: where it posts (relative, like "../feedback/"); page: the site path it is about;
    help_href: the Get support page; comment: shown back after an error; errors: field ->
    code ("helpful": "missing", "comment": "too_long"); problem: "too_many", "unavailable",
    "other_site" or "could_not_read"; back_href: a link back to the page, after a problem."""
    from .feedback import COMMENT_MAX_CHARS

    return _render(
        "feedback_form.html", words,
        action=action, page=page, help_href=help_href, comment=comment,
        errors=dict(errors or {}), problem=problem, max_chars=COMMENT_MAX_CHARS, back_href=back_href,
    )


@dataclass(frozen=True)
class Problem:
    """A message shown above the form when the service, not the parent, has a problem."""

    title: str
    html: str  # trusted: built here from fixed text and escaped contact details


def _call_us(contact: Contact, words: Words) -> str:
    """"call us on <phone> (hours)" in the language of ``words``, as trusted HTML."""
    _ = words.gettext
    if contact.phone:
        href = escape(contact.phone_href or contact.phone.replace(" ", ""))
        phone = f'<a href="tel:{href}" dir="ltr">{escape(contact.phone)}</a>'
        if contact.hours:
            return escape(_("call us on %(phone)s (%(hours)s)")) % {"phone": phone, "hours": escape(contact.hours)}
        return escape(_("call us on %(phone)s")) % {"phone": phone}
    link = f'<a href="{site_root(words)}contact/">{escape(_("contact page"))}</a>'
    return escape(_("contact us using the details on our %(link)s")) % {"link": link}


def _problem(words: Words, title: str, *paragraphs: str, contact: Contact) -> Problem:
    """A problem message: its title and paragraphs are msgids; %(call_us)s is filled in."""
    call_us = _call_us(contact, words)
    html = "".join(f"<p>{escape(words.gettext(text)) % {'call_us': call_us}}</p>" if "%(call_us)s" in text
                   else f"<p>{escape(words.gettext(text))}</p>" for text in paragraphs)
    return Problem(words.gettext(title), Markup(html))


def service_unavailable(contact: Contact, words: Words = ENGLISH) -> Problem:
    return _problem(words, N_("Sorry, there is a problem with the service"),
                    N_("Your referral has not been sent yet. Your answers are still here."),
                    N_("Try sending it again in a few minutes, or %(call_us)s."), contact=contact)


def too_many_attempts(contact: Contact, words: Words = ENGLISH) -> Problem:
    return _problem(words, N_("Please wait before sending the form again"),
                    N_("We have had a very large number of forms in a short time, so we have not sent yours yet. "
                    "Your answers are still here."),
                    N_("Try again later, or %(call_us)s."), contact=contact)


def could_not_read(contact: Contact, words: Words = ENGLISH) -> Problem:
    return _problem(words, N_("Sorry, we could not read the form"),
                    N_("Your referral has not been sent. Please fill in the form again and send it."),
                    N_("If this keeps happening, %(call_us)s."), contact=contact)


def other_site(contact: Contact, words: Words = ENGLISH) -> Problem:
    return _problem(words, N_("Please send the form from our website"),
                    N_("This form was sent from another website, so we have not accepted it. "
                    "To refer yourself, fill in the form on this page."),
                    N_("You can also %(call_us)s."), contact=contact)
