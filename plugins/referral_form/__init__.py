"""Referral form: renders the self-referral form into the static page from the one form definition.

The HTML comes from `referrals.rendering` (the same Jinja macros the referral service uses
when it shows the form again with errors), so the page and the service cannot drift apart.
Templates get it from ``referral_form_html()``, in the language of the page being drawn
(rendered once per language per build, with the catalogues plugins/languages read). After
the build, the plugin checks that each form and confirmation page carries the markers the
service looks for.
"""

from __future__ import annotations

import logging
import os

from jinja2 import pass_context
from markupsafe import Markup
from pelican import signals

from referrals import confirmation, form_definition, pages, rendering
from referrals.i18n import Words

log = logging.getLogger(__name__)
FORMS = "REFERRAL_FORMS"  # language -> the form's HTML, made once per build


@pass_context
def referral_form_html(ctx) -> Markup:
    """The empty form in the language of the page being drawn."""
    from languages.theme_words import current_language

    state = ctx.get("LANGUAGES_STATE")
    code = current_language(ctx.get("DEFAULT_LANG", "en-gb"))
    forms = ctx[FORMS]
    if code not in forms:
        catalogues = state.catalogues if state is not None else None
        forms[code] = Markup(rendering.render_form(words=Words(code, catalogues)))
    return forms[code]


def _add_form(pelican) -> None:
    pelican.settings["REFERRAL_FORM"] = form_definition
    pelican.settings[FORMS] = {}
    pelican.settings.setdefault("JINJA_GLOBALS", {})["referral_form_html"] = referral_form_html


def _new_build(pelican) -> None:
    pelican.settings[FORMS].clear()  # the catalogues may have changed (make serve)


def _form_pages(output: str) -> list[tuple[str, tuple[str, ...]]]:
    """The form and confirmation pages of every language that has a form page."""
    found = [(pages.FORM_PAGE, (pages.FORM_START, pages.FORM_END)),
             (pages.RECEIVED_PAGE, (pages.REF_START, pages.REF_END, pages.NOTES_START, pages.NOTES_END))]
    for code in pages.built_languages(output):
        found += [(pages.form_page(code), found[0][1]), (pages.received_page(code), found[1][1])]
    return found


def _check_output(pelican) -> None:
    output = pelican.settings["OUTPUT_PATH"]
    for relative, markers in _form_pages(output):
        path = os.path.join(output, relative)
        if not os.path.exists(path):
            log.warning("referral_form: %s was not built; the referral service needs it", relative)
            continue
        with open(path, encoding="utf-8") as page:
            html = page.read()
        missing = [m for m in markers if html.count(m) != 1]
        if missing:
            log.warning("referral_form: %s needs each of %s exactly once", relative, ", ".join(missing))
        elif str(relative).endswith(str(pages.RECEIVED_PAGE)):
            notes = {key for key, _ in pages.NOTE_TEMPLATE.findall(html)}
            lacking = [k for k in (confirmation.CONTACT_BOX, *confirmation.ALL_KEYS) if k not in notes]
            if lacking:
                log.warning('referral_form: %s has no <template data-referral-note="..."> for %s',
                            relative, ", ".join(lacking))


def register() -> None:
    signals.initialized.connect(_add_form)
    signals.get_generators.connect(_new_build)
    signals.finalized.connect(_check_output)
