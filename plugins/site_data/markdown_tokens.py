"""A Markdown extension: ``{contact:phone}`` style tokens pass through Markdown untouched.

Python-Markdown's attr_list (in ``extra``) reads any ``{...}`` after an inline element as
attributes, so a token later in a paragraph that also has ``*words*{: lang="en-GB" }`` was
taken apart ("{crisis:x" and a stray "})"). Before Markdown runs, each token's braces are
swapped for two private-use characters; ``data.TOKEN`` matches that form too, so the build
fills them in as usual. Configured in ``MARKDOWN`` (pelicanconf.py).
"""

from __future__ import annotations

import re

from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

OPEN, CLOSE = "\ue000", "\ue001"  # Unicode private use: never typed by a person
RAW_TOKEN = re.compile(r"\{(impact|contact|times|crisis):([a-z0-9_]+)\}")


def protect(text: str) -> str:
    return RAW_TOKEN.sub(lambda m: f"{OPEN}{m.group(1)}:{m.group(2)}{CLOSE}", text)


class _Protect(Preprocessor):
    def run(self, lines):
        return [protect(line) for line in lines]


class TokensExtension(Extension):
    def extendMarkdown(self, md):
        md.preprocessors.register(_Protect(md), "oxpip_tokens", 35)  # before attr_list's inline work


def makeExtension(**kwargs):
    return TokensExtension(**kwargs)
