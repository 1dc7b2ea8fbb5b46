"""``python -m l2c_core``: the command line."""

from l2c_core.cli import main

raise SystemExit(main())
