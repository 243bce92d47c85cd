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
# The charity's own words the theme shows (kept here, not in the theme; translated through
# the catalogues like the theme's words): the description of a page without a Summary, the
# area we serve, the search page's example words and the impact chart's title.
SITE_DESCRIPTION = ("Free, non-judgemental therapy in Oxfordshire for parents and carers who find it hard "
                    "to bond with their baby.")
SERVICE_AREA = "Oxfordshire"
SEARCH_EXAMPLES = "bond, refer, Didcot"
IMPACT_CHART_TITLE = "How parents changed after their sessions"
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
# Pages in other languages (translations/<lang>/) and Easy Read versions (easy-read/) are
# pages too; plugins/languages places each at its English page's address under /<lang>/ or
# /easy-read/ (docs/volunteers.md, section 8).
PAGE_PATHS = ["pages", "services", "translations", "easy-read"]
STATIC_PATHS = ["images"]
USE_FOLDER_AS_CATEGORY = True
DEFAULT_CATEGORY = "news"
SECTION_TITLES = {"stories": "Stories", "news": "News", "services": "Services"}

ARTICLE_URL = "{category}/{slug}/"
ARTICLE_SAVE_AS = "{category}/{slug}/index.html"
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
# A translation's address is its English page's with the language in front (/pl/get-support/);
# plugins/languages sets it from the English page, so pages with their own Save_as keep it too.
PAGE_LANG_URL = "{lang}/{slug}/"
PAGE_LANG_SAVE_AS = "{lang}/{slug}/index.html"
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
ARTICLE_LANG_SAVE_AS = ""  # stories and news are in English only (docs/volunteers.md says why)
DRAFT_LANG_SAVE_AS = ""
DRAFT_PAGE_LANG_URL = "drafts/{lang}/{slug}/"
DRAFT_PAGE_LANG_SAVE_AS = "drafts/{lang}/{slug}/index.html"
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

# No "smarty" extension: a second inline pass over every page for curly quotes cost
# about 45% of Markdown time (docs/performance.md). Type curly quotes where wanted.
MARKDOWN = {
    "extension_configs": {
        "markdown.extensions.extra": {},
        "markdown.extensions.toc": {"permalink": False},
        "markdown.extensions.admonition": {},
        # {contact:phone} and the like pass through Markdown whole (plugins/site_data)
        "site_data.markdown_tokens": {},
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
    ("Search this website", "search/"),
]
# The theme's and the form's words in other languages: translations/<lang>/LC_MESSAGES/messages.po
# (plugins/languages, referrals/i18n.py; `make translations` updates them).
TRANSLATIONS_PATH = "translations"
# Easy Read pages (content/easy-read/): the longest sentence, and the shortest alt text, in words.
EASY_READ_MAX_WORDS = 15
EASY_READ_MIN_ALT_WORDS = 3

# Where "Exit this page" sends someone: a neutral site that reveals nothing.
EXIT_PAGE_URL = "https://www.bbc.co.uk/weather"

PLUGIN_PATHS = ["plugins"]
PLUGINS = [
    "content_problems",  # first: the others report problems through it
    "site_data",
    "sections",
    "languages",  # after sections: translations and Easy Read pages, the theme's words per language
    "markdown_components",
    "markdown_ahead",  # build workers convert Markdown while Pelican reads (plugins/build_workers)
    "template_cache",  # each template compiled once per change (var/cache/jinja), not once per build
    "referral_form",  # renders the self-referral form from referrals/form_definition.py
    "feedback_form",  # "Was this page helpful?" at the foot of every page (referrals/feedback_app.py)
    "content_checks",  # after the others: checks the text they produce
    "responsive_images",  # after content_checks: it checks the <img> alt text first
    "readability",
    "page_reviews",  # Reviewed / Next_review dates at the foot of pages; overdue reviews warn
    "decap_admin",
    # Partners, discoverability and impact (settings at the end of this file):
    "seo",
    "redirects",
    "open_referral",
    "partner_kit",
    "search",
    "host_headers",  # it reads every page the others wrote
    "changed_first",  # last: `make serve` writes the edited page before the rest (WRITE_CHANGED_FIRST)
]

# Worker processes beside Pelican for Markdown, checks, reading grades, picture sizes and
# page scans (plugins/build_workers): None = one fewer than the CPUs (at most 4); 0 = all
# in the build process (the serial build; the output is the same, byte for byte).
BUILD_WORKERS = None

# Local preview is lenient: content problems are warnings and drafts are visible.
STRICT_CONTENT_CHECKS = False
SHOW_DRAFTS = True

# Front matter stays plain text (summaries become meta descriptions and card text).
FORMATTED_FIELDS = []
# Links to other sites are allowed only to these hosts (tests enforce it). Pages never
# load anything from another host.
EXTERNAL_LINK_HOSTS = [
    "www.bbc.co.uk", "www.nhs.uk", "111.nhs.uk", "www.samaritans.org",
    # Help near you (content/data/help_near_you.yml) and Using this site safely
    "pandasfoundation.org.uk", "parentinfantfoundation.org.uk", "www.home-start.org.uk",
    "www.nationaldahelpline.org.uk",
]

# The key figures on the home page, in order (keys from content/data/impact.yml).
HOME_FIGURES = ["bond_improved", "mental_health_improved", "families_affected"]
SECTION_DESCRIPTIONS = {
    "stories": "Parents and carers tell, in their own words, how therapy helped them and their baby.",
    "news": "News from OXPIP: our work with families, our funders and our partners.",
}

# --- Volunteer publishing: content checks, images, readability ---
# Content checks (plugins/content_checks, docs/volunteers.md lists every message).
CONTENT_SUMMARY_MAX_LENGTH = 160  # characters; Summary is the meta description and card text
NEWS_TOPICS = ["Funding", "Our work", "Events"]  # the Topic: of a news post
IMAGE_MAX_BYTES = 5_000_000  # a picture in content/images/ may be at most 5 MB
CONTENT_CHECK_EXTRA_URLS = ["admin/"]  # site addresses not made from content/ (the web editor)
# Responsive images (plugins/responsive_images): sizes made from each picture in a story or
# news post; phones get the smallest that fills the screen, never the original.
RESPONSIVE_IMAGE_WIDTHS = [320, 640, 960, 1280]
RESPONSIVE_IMAGE_SIZES = "(min-width: 48em) 40em, 100vw"
RESPONSIVE_IMAGE_CACHE = "var/cache/images"  # made once, reused by later builds
# Page reviews (plugins/page_reviews): parent-facing pages and services carry Reviewed and
# Next_review dates, shown at the foot of the page. An overdue review warns in every build;
# `make check` lists reviews due within REVIEW_DUE_SOON_DAYS. Pages not about our help
# (paths under content/) need no review dates.
REVIEW_SECTIONS = ["pages", "services", "translations", "easy-read"]
REVIEW_SKIP = ["pages/404.md", "pages/search.md", "pages/funders.md", "pages/impact.md",
               "pages/partner-kit.md", "pages/feedback.md", "pages/feedback-thank-you.md"]
REVIEW_DUE_SOON_DAYS = 30
# Facts that go out of date (plugins/site_data): a data file's "checked:" date, such as
# the reply and waiting times in content/data/times.yml. Older than WARN days: every build
# warns; older than STOP days: `make publish` stops. The files listed must have the date.
DATA_CHECKED_FILES = ["times.yml"]
DATA_CHECKED_WARN_DAYS = 31
DATA_CHECKED_STOP_DAYS = 90
# Readability (plugins/readability): Flesch-Kincaid grade of each parent-facing page.
READABILITY_MAX_GRADE = 6  # about reading age 11
READABILITY_MIN_WORDS = 80  # shorter pages are listed but not scored against the limit
READABILITY_SKIP = ["pages/for-professionals.md"]  # not written for parents: listed, not scored
READABILITY_REPORT = "var/readability.txt"  # the table of grades, written by each build
# The web editor (plugins/decap_admin, admin/): Decap CMS served from the site at /admin/.
DECAP_ADMIN_SOURCE = "admin"
DECAP_DIST = "node_modules/decap-cms/dist"

# --- Partners, discoverability and impact ---
# The live address. Canonical links, share images, sitemap.xml, feeds and the Open Referral
# data always use it, even in a local preview (publishconf.py sets it to SITEURL).
SITE_CANONICAL_URL = "https://www.oxpip.org.uk"
SEO_SHARE_IMAGE = {
    "path": "theme/img/share.png",
    "width": 1200,
    "height": 630,
    "alt": "OXPIP, Oxford Parent-Infant Project: help to bond with your baby",
}
SEO_FEED_MAX_ITEMS = 20  # news/feed.xml and stories/feed.xml (plugins/seo writes them)
# Old addresses -> pages (plugins/redirects). Netlify serves a file that exists before a
# rule unless the rule is forced: set True when deploying there (see docs/partners.md).
# REDIRECTS_FILE = "content/data/redirects.yml"  # default: data/redirects.yml in the content folder
REDIRECTS_FORCE = False
# Open Referral UK (HSDS-UK 3.0) service data, published under /open-referral/.
OPEN_REFERRAL_PATH = "open-referral"
OPEN_REFERRAL_AREA_URIS = {  # ONS statistical geography (GSS code) of each area served
    "Oxfordshire": "http://statistics.data.gov.uk/id/statistical-geography/E10000025",
}
# Partner kit: pages that get a copyable link and a QR code (slugs; every service is added).
PARTNER_KIT_LINKS = ["refer-yourself"]
PARTNER_KIT_QR_PATH = "for-professionals/partner-kit/qr"
# The bar chart on the impact page (keys from content/data/impact.yml, values in %).
IMPACT_CHART_FIGURES = ["bond_improved", "mental_health_improved"]
IMPACT_CHART_LABELS = {  # short bar labels (the full sentence is in impact.yml)
    "bond_improved": "Closer bond with their child",
    "mental_health_improved": "Better mental health scores",
}
# Site search (Pagefind, run after the build over page bodies only).
SEARCH_INDEX = True
SEARCH_SKIP_PATHS = ["404.html", "search/index.html"]
# Host security headers (_headers, nginx-security-headers.conf; plugins/host_headers).
HOST_HEADERS_FORM_ACTION = ["'self'"]  # add the referral service's origin if it is elsewhere
HOST_HEADERS_FLAVOUR = "netlify"  # or "cloudflare" (Cloudflare Pages joins repeated headers)
HOST_HEADERS_PATH_CSP = {
    # The web editor (Decap CMS, staff only): it compiles its config schema with eval,
    # styles itself at run time and talks to GitHub's API (or, under `make serve`, to the
    # local backend through its own origin, /admin/api/v1).
    "/admin/*": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-eval'", "'wasm-unsafe-eval'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", "https:"],
        "connect-src": ["'self'", "https://api.github.com"],
        "frame-src": ["'self'", "blob:"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "object-src": ["'none'"],
    },
}
