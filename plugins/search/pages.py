"""Pure helper: which built pages go into the search index."""

from __future__ import annotations


def indexed(output_file: str | None, *, noindex: bool, list_page: int, skip: list[str]) -> bool:
    """Whether a page's <main> is marked for Pagefind (``data-pagefind-body``).

    Left out: files in ``skip`` (404.html, the search page), drafts, the admin, pages that
    ask search engines not to index them (redirect pages), and the second and later pages
    of a list, which only repeat the summaries of stories and news already indexed.
    """
    if not output_file or noindex or list_page > 1:
        return False
    return output_file not in skip and not output_file.startswith(("drafts/", "pagefind/", "admin/"))
