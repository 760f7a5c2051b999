"""``python -m dpfit`` runs the command-line interface."""

import sys

from dpfit.cli import main

sys.exit(main())
