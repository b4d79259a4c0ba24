"""`python -m consult.cli`."""

import sys

from consult.cli import main

sys.exit(main())
