"""Referral form: renders the self-referral form into the static page from the one form definition.

The HTML comes from `referrals.rendering` (the same Jinja macros the referral service uses
when it shows the form again with errors), so the page and the service cannot drift apart.
Templates get it as REFERRAL_FORM_HTML. After the build, the plugin checks that the form
and confirmation pages carry the markers the service looks for.
"""

from __future__ import annotations

import logging
import os

from pelican import signals

from referrals import confirmation, form_definition, pages, rendering

log = logging.getLogger(__name__)


def _add_form(pelican) -> None:
    pelican.settings["REFERRAL_FORM_HTML"] = rendering.render_form()
    pelican.settings["REFERRAL_FORM"] = form_definition


def _check_output(pelican) -> None:
    output = pelican.settings["OUTPUT_PATH"]
    for relative, markers in (
        (pages.FORM_PAGE, (pages.FORM_START, pages.FORM_END)),
        (pages.RECEIVED_PAGE, (pages.REF_START, pages.REF_END, pages.NOTES_START, pages.NOTES_END)),
    ):
        path = os.path.join(output, relative)
        if not os.path.exists(path):
            log.warning("referral_form: %s was not built; the referral service needs it", relative)
            continue
        with open(path, encoding="utf-8") as page:
            html = page.read()
        missing = [m for m in markers if html.count(m) != 1]
        if missing:
            log.warning("referral_form: %s needs each of %s exactly once", relative, ", ".join(missing))
        elif relative == pages.RECEIVED_PAGE:
            notes = {key for key, _ in pages.NOTE_TEMPLATE.findall(html)}
            lacking = [k for k in (confirmation.CONTACT_BOX, *confirmation.ALL_KEYS) if k not in notes]
            if lacking:
                log.warning('referral_form: %s has no <template data-referral-note="..."> for %s',
                            relative, ", ".join(lacking))


def register() -> None:
    signals.initialized.connect(_add_form)
    signals.finalized.connect(_check_output)
