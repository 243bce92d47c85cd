"""Entry point for `python -m referrals`."""

import logging
import sys

from .cli import main

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
sys.exit(main())
