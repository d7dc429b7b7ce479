"""`python -m bot`: the same command line as `qovery-slack`."""

# The command line wires adapters together, so it lives there; this is only the module entry point.
from adapters.cli import main

raise SystemExit(main())
