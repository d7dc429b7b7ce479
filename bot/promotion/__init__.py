"""Promotion: carry what runs in one environment (staging) to another (production) from Slack. Start with
`promotion.py` (the plan posted, and its Promote and Cancel buttons); the rest is pure.

    plan.py        per service matched by name: the target's version → the source's, what it carries,
                   or why it is left as it is (only on one side, another repository or image, the same)
    views.py       the plan's message and its buttons, which name only the stored plan
    reads.py       what a plan reads from Qovery: the environments, their services and what each runs
    promotion.py   the use case: the command and a success card's "Promote to ENV" post a plan;
                   Promote hands the plan to bot.actions (permissions, approvals, run, audit)
"""

from bot.promotion.plan import ALREADY_THE_SAME, PlannedService, Sources, plan_services
from bot.promotion.promotion import PromotionRequest, Promotions
from bot.promotion.views import (
    CANCEL_PROMOTION_ACTION,
    PLAN_MINUTES,
    PROMOTE_ACTION,
    PROMOTE_CARD_ACTION,
    plan_message,
)

__all__ = [
    "ALREADY_THE_SAME",
    "CANCEL_PROMOTION_ACTION",
    "PLAN_MINUTES",
    "PROMOTE_ACTION",
    "PROMOTE_CARD_ACTION",
    "PlannedService",
    "PromotionRequest",
    "Promotions",
    "Sources",
    "plan_message",
    "plan_services",
]
