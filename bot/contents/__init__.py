"""What a deployment carries: the commits, image tags and configuration changes between an environment's
previous successful deployment and this one, on the card (one line) and in its thread (one reply).
Start with `contents.py` (the use case: looked up once per deployment after the card is completed,
shown once per card); the rest is pure.

    versions.py       each service's change: the walk of its commits (prev..new), its tag, or nothing
    configuration.py  the audit log's changes in the window: variables and secrets by name, settings
    carried.py        the card's line and the reply "What's in this deployment", escaped and cut
    ports.py          the card's line kept with one conditional write

The alerts' "which deployment" line and the first minutes' watch use `reply_link` and the card's line.
"""

from bot.contents.carried import Carried, card_line, reply_link, reply_messages
from bot.contents.configuration import ConfigurationChange, configuration_changes
from bot.contents.contents import DeploymentContents, nanoseconds
from bot.contents.ports import CarriedCards
from bot.contents.versions import (
    Change,
    ServiceChange,
    ServiceVersion,
    changes,
    previous_success,
    versions_of,
    walk,
)

__all__ = [
    "Carried",
    "CarriedCards",
    "Change",
    "ConfigurationChange",
    "DeploymentContents",
    "ServiceChange",
    "ServiceVersion",
    "card_line",
    "changes",
    "configuration_changes",
    "nanoseconds",
    "previous_success",
    "reply_link",
    "reply_messages",
    "versions_of",
    "walk",
]
