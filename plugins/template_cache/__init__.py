"""Template cache: each theme template is compiled once per change, and looked up once per build.

Pelican gives every generator a new Jinja environment on every build, so each template
is parsed and compiled to Python again on each build (about 50 compilations for this
theme), and every page render asks the file system whether each template it uses or
imports has changed since (about 16,000 ``stat`` calls at 1,000 stories: every page
imports the components it uses). Neither can change during one build.

On ``generator_init`` this plugin gives each generator's environment:

- a bytecode cache (``jinja2.FileSystemBytecodeCache``) in ``TEMPLATE_CACHE`` (default
  var/cache/jinja, beside the other caches): compiled templates are kept, keyed by Jinja
  on the template's name and a checksum of its source, so an edited template is compiled
  again and an unchanged one is loaded; ``None`` turns it off;
- ``auto_reload = False``: within one build a template is loaded once (the next build,
  including each `make serve` rebuild, makes new environments and sees any change);
- a template class whose imports are quick: at each ``{% from "components/x.html" import
  x %}`` Jinja checks whether the importing page has globals the imported template lacks
  (``Template._get_default_module``: a set difference against a ChainMap, about 60 us,
  12,700 times at 1,000 stories), to decide between its cached module and a new one. Here
  each template's global names are kept in a frozenset once (the environment's globals
  are all set before the first page is drawn), so the usual case is one subset test;
  when the page does bring new globals, Jinja's own code runs as before.

The pages are the same, byte for byte.
"""

from __future__ import annotations

import os

from jinja2 import FileSystemBytecodeCache, Template
from pelican import signals

DEFAULT_FOLDER = "var/cache/jinja"
_caches: dict[str, FileSystemBytecodeCache] = {}  # folder -> cache, shared by every build


def _folder(settings) -> str | None:
    folder = settings.get("TEMPLATE_CACHE", DEFAULT_FOLDER)
    if not folder:
        return None
    if not os.path.isabs(folder):
        folder = os.path.join(os.path.dirname(os.path.abspath(settings["PATH"])), folder)
    return folder


_quick: dict[type, type] = {}  # template class -> its subclass with quick imports


def quick_imports(template_class: type[Template]) -> type[Template]:
    """``template_class`` with ``_get_default_module`` answering from a kept set of global
    names when the importing context brings none the template lacks (Jinja 3.1's logic
    otherwise, unchanged). One subclass per class, made once."""
    if template_class not in _quick:
        def _get_default_module(self, ctx=None):
            if ctx is not None:
                names = self.__dict__.get("_global_names")
                if names is None:
                    names = self._global_names = frozenset(self.globals)
                if not ctx.globals_keys <= names:
                    return template_class._get_default_module(self, ctx)
            return template_class._get_default_module(self, None)

        _quick[template_class] = type(template_class.__name__, (template_class,),
                                      {"_get_default_module": _get_default_module})
    return _quick[template_class]


def _set_up(generator) -> None:
    env = getattr(generator, "env", None)
    if env is None:
        return
    env.auto_reload = False
    env.template_class = quick_imports(env.template_class)
    folder = _folder(generator.settings)
    if folder is None:
        return
    if folder not in _caches:
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError:
            return  # a read-only tree: templates are compiled as usual
        _caches[folder] = FileSystemBytecodeCache(folder)
    env.bytecode_cache = _caches[folder]


def register() -> None:
    signals.generator_init.connect(_set_up)
