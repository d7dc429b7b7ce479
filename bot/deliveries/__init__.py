"""Deliveries: a Qovery delivery from intake to card. Start with `intake.py` (a delivery authenticated
and stored), then `courier.py` (stored deliveries posted: one card per deployment, retries, Slack's
pace).

    bodies.py, events.py     a delivery's bytes decoded once; its body read into a Deployment
    intake.py                authenticate, store, answer like a Slack incoming webhook
    courier.py               post, edit, thread; retries and pacing
    cards.py, card_details.py    the card (Block Kit, pure) and the details it gains
    deployment_details.py    Qovery's deployment history read into those details; logs, secrets hidden
    enrichment.py            the card completed after it is posted, in the background
    lookups.py               names a delivery left out, asked of Qovery, cached
    routing.py, mentions.py  which deliveries get a message (--services, --env-names, --only); who is told
    sanitize.py              content posted as it came: nothing interactive, no mass mention
    delivery_log.py          `/qovery deliveries` and replay
    ports.py                 the queue, the cards, the outcomes, the threads of actions
"""

from bot.deliveries.bodies import DeliveryKind, read_deployment
from bot.deliveries.card_details import (
    duration_words,
    origin_words,
    service_words,
    status_emoji,
    trigger_words,
    versions_words,
)
from bot.deliveries.cards import (
    CANCEL_ACTION,
    CONSOLE,
    PROMOTE_CARD_ACTION,
    REDEPLOY_ACTION,
    ROLLBACK_ACTION,
    CardButton,
    console_url,
    deployments_url,
    render_card,
    where_words,
)
from bot.deliveries.delivery_log import REPLAY_ACTION, DeliveryLog, delivery_block
from bot.deliveries.deployment_details import Details, details, seconds_of, status_of, tie
from bot.deliveries.enrichment import CardFollower, CardJob, paced
from bot.deliveries.events import Deployment, DeploymentStatus
from bot.deliveries.mentions import Mentions, Notice
from bot.deliveries.ports import (
    Card,
    CardCarried,
    CardNote,
    Cards,
    DeliveryQueue,
    DeliveryRecord,
    DeliveryState,
)
from bot.deliveries.routing import matches

__all__ = [
    "CANCEL_ACTION",
    "CONSOLE",
    "PROMOTE_CARD_ACTION",
    "REDEPLOY_ACTION",
    "REPLAY_ACTION",
    "ROLLBACK_ACTION",
    "Card",
    "CardButton",
    "CardCarried",
    "CardFollower",
    "CardJob",
    "CardNote",
    "Cards",
    "DeliveryKind",
    "DeliveryLog",
    "DeliveryQueue",
    "DeliveryRecord",
    "DeliveryState",
    "Deployment",
    "DeploymentStatus",
    "Details",
    "Mentions",
    "Notice",
    "console_url",
    "delivery_block",
    "deployments_url",
    "details",
    "duration_words",
    "matches",
    "origin_words",
    "paced",
    "read_deployment",
    "render_card",
    "seconds_of",
    "service_words",
    "status_emoji",
    "status_of",
    "tie",
    "trigger_words",
    "versions_words",
    "where_words",
]
