"""Local preview settings: relative URLs, drafts visible, content problems shown as warnings."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
# Plugins import the referral form definition (referrals/) and each other's helpers.
for _path in (ROOT, ROOT / "plugins"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

SITENAME = "OXPIP"
SITE_FULL_NAME = "Oxford Parent-Infant Project"
SITEURL = ""
RELATIVE_URLS = True
TIMEZONE = "Europe/London"
DEFAULT_LANG = "en-GB"
DEFAULT_DATE_FORMAT = "%-d %B %Y"

PATH = "content"
THEME = "theme"
OUTPUT_PATH = "output"

# Sections: the folder a file lives in decides what it is and where it is published.
ARTICLE_PATHS = ["stories", "news"]
PAGE_PATHS = ["pages", "services"]
STATIC_PATHS = ["images"]
USE_FOLDER_AS_CATEGORY = True
DEFAULT_CATEGORY = "news"
SECTION_TITLES = {"stories": "Stories", "news": "News", "services": "Services"}

ARTICLE_URL = "{category}/{slug}/"
ARTICLE_SAVE_AS = "{category}/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
CATEGORY_URL = "{slug}/"
CATEGORY_SAVE_AS = "{slug}/index.html"
DRAFT_URL = "drafts/{category}/{slug}/"
DRAFT_SAVE_AS = "drafts/{category}/{slug}/index.html"
DRAFT_PAGE_URL = "drafts/{slug}/"
DRAFT_PAGE_SAVE_AS = "drafts/{slug}/index.html"

# Nothing we do not link to: no tag, author, archive or per-language pages.
DIRECT_TEMPLATES = []
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
INDEX_SAVE_AS = ""
ARTICLE_LANG_SAVE_AS = ""
PAGE_LANG_SAVE_AS = ""
DRAFT_LANG_SAVE_AS = ""
DRAFT_PAGE_LANG_SAVE_AS = ""
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

DEFAULT_PAGINATION = 4
PAGINATED_TEMPLATES = {"category": 4}
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)

SUMMARY_MAX_LENGTH = 40
TYPOGRIFY = False
SLUGIFY_SOURCE = "basename"
DELETE_OUTPUT_DIRECTORY = True
CACHE_CONTENT = False

MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.smarty": {},
        "markdown.extensions.toc": {"permalink": False},
        "markdown.extensions.admonition": {},
    },
    "output_format": "html5",
}

# Top navigation. "Get help now" is kept out of this list on purpose: the header
# places it in the same spot on every page (WCAG 3.2.6 consistent help).
MENU = [
    ("Get support", "get-support/"),
    ("Services", "services/"),
    ("Stories", "stories/"),
    ("News", "news/"),
    ("For professionals", "for-professionals/"),
    ("About us", "about/"),
    ("Contact", "contact/"),
]
FOOTER_LINKS = [
    ("Get help now", "get-help-now/"),
    ("Contact us", "contact/"),
    ("Privacy notice", "privacy/"),
    ("Accessibility statement", "accessibility/"),
]
# Where "Exit this page" sends someone: a neutral site that reveals nothing.
EXIT_PAGE_URL = "https://www.bbc.co.uk/weather"

PLUGIN_PATHS = ["plugins"]
PLUGINS = [
    "content_problems",  # first: the others report problems through it
    "site_data",
    "sections",
    "markdown_components",
]

# Local preview is lenient: content problems are warnings and drafts are visible.
STRICT_CONTENT_CHECKS = False
SHOW_DRAFTS = True

# Front matter stays plain text (summaries become meta descriptions and card text).
FORMATTED_FIELDS = []
# Links to other sites are allowed only to these hosts (tests enforce it). Pages never
# load anything from another host.
EXTERNAL_LINK_HOSTS = ["www.bbc.co.uk", "www.nhs.uk", "111.nhs.uk", "www.samaritans.org"]

# The key figures on the home page, in order (keys from content/data/impact.yml).
HOME_FIGURES = ["bond_improved", "mental_health_improved", "families_affected"]
SECTION_DESCRIPTIONS = {
    "stories": "Parents and carers tell, in their own words, how therapy helped them and their baby.",
    "news": "News from OXPIP: our work with families, our funders and our partners.",
}
