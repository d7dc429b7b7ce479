"""Acting from Slack: deploy, redeploy, cancel, stop, rollback and promote (its plan: bot.promotion)
an environment, the views of its state and history, and a user's own Qovery token. Start with
`environment_actions.py` (an action proposed, confirmed, run, recorded and told in the channel).

    plans.py                 what an action will do: each service's version before and after (pure)
    views.py                 an action's confirmation, and the channel's message of who did what
    environment_actions.py   the use cases, and the cards' Redeploy, Cancel and Rollback buttons
    environments.py          `/qovery status` and `history`: environments by name
    login.py                 `/qovery login` and `logout`
    queue.py                 an action Qovery queued: behind what, Cancel request, edited when it starts
    ports.py                 the actions kept (the audit trail)
"""

from bot.actions.environment_actions import STALE_PROMOTION, ActionRequest, EnvironmentActions
from bot.actions.environments import EnvironmentViews, Where, find_environment, read_where
from bot.actions.login import Login
from bot.actions.plans import (
    CONFIRMATION_SECONDS,
    Action,
    ActionKind,
    ActionState,
    Promotion,
    ServiceChange,
    Target,
    confirmed_since,
    latest_success,
)
from bot.actions.ports import Actions, Gate
from bot.actions.queue import CANCEL_REQUEST_ACTION, QueuedRequests
from bot.actions.views import (
    CONFIRM_ACTION,
    DISMISS_ACTION,
    asked_words,
    changes_blocks,
    confirmation_gone,
    done_words,
    plan_fits,
    where_words,
)

__all__ = [
    "CANCEL_REQUEST_ACTION",
    "CONFIRMATION_SECONDS",
    "CONFIRM_ACTION",
    "DISMISS_ACTION",
    "STALE_PROMOTION",
    "Action",
    "ActionKind",
    "ActionRequest",
    "ActionState",
    "Actions",
    "EnvironmentActions",
    "EnvironmentViews",
    "Gate",
    "Login",
    "Promotion",
    "QueuedRequests",
    "ServiceChange",
    "Target",
    "Where",
    "asked_words",
    "changes_blocks",
    "confirmation_gone",
    "confirmed_since",
    "done_words",
    "find_environment",
    "latest_success",
    "plan_fits",
    "read_where",
    "where_words",
]
