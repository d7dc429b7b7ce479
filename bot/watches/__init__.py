"""The first minutes after a deployment (SPEC §15): a success's card watches the alert rules of what it
deployed and says whether any fired. Start with `watches.py`, then `verdicts.py` (what a watch says, pure).

    watches.py    a watch started by the courier, read at each of the alerts' reads, told on the card
    verdicts.py   which rules watch a deployment, and what the card then says (pure)
    ports.py      the watches kept
"""

from bot.watches.watches import DeploymentWatches

__all__ = ["DeploymentWatches"]
