"""Production settings: absolute URLs and strict content checks (any problem stops the build)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pelicanconf import *  # noqa: F401,F403,E402

SITEURL = os.environ.get("SITEURL", "https://www.oxpip.org.uk")
RELATIVE_URLS = False
STRICT_CONTENT_CHECKS = True
SHOW_DRAFTS = False
DELETE_OUTPUT_DIRECTORY = True

# Partners, discoverability and impact: canonical links, feeds, sitemap.xml and the Open
# Referral data use the live address.
SITE_CANONICAL_URL = SITEURL
