"""Pure helper: which built pages go into the search index."""

from __future__ import annotations


def indexed(output_file: str | None, *, public: bool, list_page: int, skip: list[str]) -> bool:
    """Whether a page's <main> is marked for Pagefind (``data-pagefind-body``).

    ``public`` is plugins/seo's answer (not noindex, so not 404.html or a redirect page, and
    not a draft). Left out as well: files in ``skip`` (the search page), and the second and
    later pages of a list, which only repeat the summaries of stories and news already indexed.
    """
    return public and list_page <= 1 and output_file not in skip
