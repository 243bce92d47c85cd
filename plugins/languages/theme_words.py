"""The theme's words in the language of the page being drawn (Jinja's i18n extension).

Templates write ``{{ _('Exit this page') }}``. Each generator's Jinja environment gets the
i18n extension with "new style" gettext callables (variables as ``_('Page %(n)s', n=2)``,
escaped like any other value). Which language they answer in is the language of the page
being rendered: ``LanguageTemplate.render`` reads it from the page or article in the
context and keeps it in a context variable for the length of that render, so component
macros imported without context (``{% from "components/x.html" import x %}``) translate
too. The catalogues are compiled once per build (``referrals.i18n.Catalogues``); a lookup
is a dictionary lookup.
"""

from __future__ import annotations

import contextvars

from jinja2 import Template

from referrals.i18n import Catalogues, normalise

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("oxpip_page_language", default=None)


def language_of(context: dict, default: str) -> str:
    """The language code of what a template context renders: its page or article, else ``default``."""
    item = context.get("page") or context.get("article")
    lang = getattr(item, "lang", None) if item is not None else None
    return normalise(lang or context.get("page_lang") or default)


class LanguageTemplate(Template):
    """A Jinja template that renders in the language of the page it is given."""

    default_language = "en-gb"

    def render(self, *args, **kwargs):
        context = dict(*args, **kwargs)
        token = _current.set(language_of(context, self.default_language))
        try:
            return super().render(*args, **kwargs)
        finally:
            _current.reset(token)


def current_language(default: str) -> str:
    return _current.get() or normalise(default)


def install(env, catalogues_of, default: str) -> None:
    """Give a Jinja environment the i18n extension, the language-aware gettext callables and
    LanguageTemplate. ``catalogues_of()`` returns this build's Catalogues."""
    env.add_extension("jinja2.ext.i18n")
    language_template = type("LanguageTemplate", (LanguageTemplate,), {"default_language": normalise(default)})
    env.template_class = language_template

    def gettext(text: str) -> str:
        catalogues: Catalogues = catalogues_of()
        return catalogues.gettext(current_language(default), text) if catalogues else text

    def ngettext(singular: str, plural: str, count: int) -> str:
        catalogues: Catalogues = catalogues_of()
        if catalogues is None:
            return singular if count == 1 else plural
        return catalogues.ngettext(current_language(default), singular, plural, count)

    env.install_gettext_callables(gettext, ngettext, newstyle=True)
