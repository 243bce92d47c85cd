"""Feedback form: "Was this page helpful?" at the foot of every page.

Templates call ``feedback_form()`` (a Jinja global; theme/templates/base.html does, once
per page). It renders referrals/templates/feedback_form.html, the same template the
referral service uses when it shows the form again after a problem, so the two cannot
drift apart. The form posts to the service at ``/feedback/`` (referrals/feedback_app.py),
relative to the page, and names the page it is about by its path ("/get-support/").

It is left off redirect pages and off any page with ``Feedback: no`` in its front matter
(the thank-you page, and the feedback page, whose template places the form itself). After the build the plugin checks that
the feedback page carries the markers the service swaps the form between.
"""

from __future__ import annotations

import logging
import os

from jinja2 import pass_context
from markupsafe import Markup, escape
from pelican import signals

from referrals import feedback, rendering
from referrals.feedback_app import FORM_END, FORM_START, PAGE_FILE
from referrals.i18n import Words
from seo.meta import path_of_output

log = logging.getLogger(__name__)


# The form is the same on every page in one language but for the page it names: it is
# rendered once per language and addresses in a build, with this stand-in for the page.
PAGE_STAND_IN = "\ue000feedback-page\ue001"  # Unicode private use: never in a real path


def make_feedback_form():
    """The ``feedback_form(always=False)`` Jinja global for one Pelican object: the form for
    the page being rendered (Markup), or nothing where it does not belong (``always``:
    render it anyway, as the feedback page's own template does). Keeps each language's
    rendered form for as long as the build's catalogues are the same object."""
    kept: dict = {"catalogues": None, "forms": {}}

    @pass_context
    def feedback_form(ctx, always: bool = False) -> Markup:
        item = ctx.get("page") or ctx.get("article")
        unwanted = ctx.get("redirect_to") or (item is not None and str(item.metadata.get("feedback", "")).lower() == "no")
        if unwanted and not always:
            return Markup("")
        from languages.theme_words import current_language

        path = path_of_output(ctx.get("output_file"))
        siteurl = ctx.get("SITEURL", "")
        state = ctx.get("LANGUAGES_STATE")
        catalogues = state.catalogues if state is not None else None
        code = current_language(ctx.get("DEFAULT_LANG", "en-gb"))
        localised = ctx.get("localised")
        help_href = f"{siteurl}/{localised(ctx, 'get-support/') if localised else 'get-support/'}"
        if kept["catalogues"] is not catalogues:
            kept["catalogues"], kept["forms"] = catalogues, {}
        key = (code, siteurl, help_href)
        if key not in kept["forms"]:
            kept["forms"][key] = rendering.render_feedback_form(
                action=f"{siteurl}{feedback.PATH}", page=PAGE_STAND_IN, help_href=help_href,
                words=Words(code, catalogues))
        return Markup(kept["forms"][key].replace(PAGE_STAND_IN, str(escape("/" + (path or "")))))

    return feedback_form


def _setup(pelican) -> None:
    pelican.settings.setdefault("JINJA_GLOBALS", {})
    pelican.settings["JINJA_GLOBALS"]["feedback_form"] = make_feedback_form()


def _check_output(pelican) -> None:
    path = os.path.join(pelican.settings["OUTPUT_PATH"], PAGE_FILE)
    if not os.path.exists(path):
        log.warning("feedback_form: %s was not built; the referral service needs it (content/pages/feedback.md)", PAGE_FILE)
        return
    with open(path, encoding="utf-8") as page:
        html = page.read()
    missing = [m for m in (FORM_START, FORM_END) if html.count(m) != 1]
    if missing:
        log.warning("feedback_form: %s needs each of %s exactly once", PAGE_FILE, ", ".join(missing))


def register() -> None:
    signals.initialized.connect(_setup)
    signals.finalized.connect(_check_output)
