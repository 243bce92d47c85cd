"""Entry point for `python -m referrals`."""

import sys

from . import logs
from .cli import main

logs.configure()
sys.exit(main())
