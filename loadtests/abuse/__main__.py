"""``python -m loadtests.abuse``: the abuse process the runner starts (see ``driver``)."""

import sys

from loadtests.abuse.driver import main

sys.exit(main())
