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

from content_problems import report
from referrals import confirmation, form_definition, pages, rendering

log = logging.getLogger(__name__)


def _add_form(pelican) -> None:
    pelican.settings["REFERRAL_FORM_HTML"] = rendering.render_form()
    pelican.settings["REFERRAL_FORM"] = form_definition


def _check_output(pelican) -> None:
    """The pages the referral service swaps its parts into. A site published without them
    would have no working form: in a strict build (`make publish`) that is a problem that
    fails the build; a preview (`make html`) says so and goes on."""
    output = pelican.settings["OUTPUT_PATH"]

    def problem(path: str, message: str, fix: str) -> None:
        if pelican.settings.get("STRICT_CONTENT_CHECKS"):
            report(path, "referral form", message, fix, line=1)
        else:
            log.warning("referral_form: %s. %s.", message, fix)

    for relative, markers in (
        (pages.FORM_PAGE, (pages.FORM_START, pages.FORM_END)),
        (pages.RECEIVED_PAGE, (pages.REF_START, pages.REF_END, pages.NOTES_START, pages.NOTES_END)),
    ):
        path = os.path.join(output, relative)
        if not os.path.exists(path):
            problem(path, f"{relative} was not built, and the referral service needs it",
                    "Keep the page in content/pages/ that is saved there (refer-yourself.md, referral-received.md)")
            continue
        with open(path, encoding="utf-8") as page:
            html = page.read()
        missing = [m for m in markers if html.count(m) != 1]
        if missing:
            problem(path, f"{relative} needs each of {', '.join(missing)} exactly once",
                    "Keep the markers in its template (theme/templates/referral_form.html, referral_received.html)")
        elif relative == pages.RECEIVED_PAGE:
            notes = {key for key, _ in pages.NOTE_TEMPLATE.findall(html)}
            lacking = [k for k in (confirmation.CONTACT_BOX, *confirmation.ALL_KEYS) if k not in notes]
            if lacking:
                problem(path, f'{relative} has no <template data-referral-note="..."> for {", ".join(lacking)}',
                        "Keep the notes in theme/templates/referral_received.html")


def register() -> None:
    signals.initialized.connect(_add_form)
    signals.finalized.connect(_check_output)
