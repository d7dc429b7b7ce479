"""`python -m bot`: the same command line as `qovery-slack`.

The command line wires the adapters together, so it lives in adapters/; the core names it only as the
installed entry point, and so imports nothing of the edges.
"""

from importlib.metadata import entry_points

[command] = entry_points(group="console_scripts", name="qovery-slack")
raise SystemExit(command.load()())
