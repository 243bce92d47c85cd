"""plugins/template_cache's quick imports: the same pages as Jinja's own import logic."""

from __future__ import annotations

import sys
from pathlib import Path

from jinja2 import DictLoader, Environment, Template

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plugins"))

from template_cache import quick_imports  # noqa: E402

TEMPLATES = {
    "macros.html": "{% macro hello(name) %}Hello {{ name }}{% if extra is defined %} {{ extra }}{% endif %}{% endmacro %}",
    "page.html": '{% from "macros.html" import hello %}{{ hello(who) }}',
    "welcome.html": '{% from "macros.html" import hello %}{{ hello(who) }}',
}


def _env(template_class: type[Template]) -> Environment:
    env = Environment(loader=DictLoader(TEMPLATES))
    env.template_class = template_class
    env.globals["site"] = "example"
    return env


def test_imports_give_what_jinja_gives_with_and_without_new_globals():
    quick, plain = _env(quick_imports(Template)), _env(Template)
    for env in (quick, plain):
        assert env.get_template("page.html").render(who="Sam") == "Hello Sam"
    # A page given its own globals: the imported macros see them, as with Jinja's own logic.
    for env in (quick, plain):
        page = env.get_template("welcome.html", globals={"extra": "and welcome"})
        assert page.render(who="Sam") == "Hello Sam and welcome"
        assert env.get_template("page.html").render(who="Ali") == "Hello Ali"


def test_an_import_with_no_new_globals_reuses_the_module():
    env = _env(quick_imports(Template))
    macros = env.get_template("macros.html")
    page = env.get_template("page.html")
    page.render(who="Sam")
    first = macros._module
    page.render(who="Ali")
    assert macros._module is first, "the imported template is made into a module once"
    assert quick_imports(Template) is quick_imports(Template), "one subclass per class"
