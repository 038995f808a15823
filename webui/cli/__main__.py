"""``python -m webui.cli`` is the ``athsys`` command."""

import sys

from webui.cli.main import main

sys.exit(main())
