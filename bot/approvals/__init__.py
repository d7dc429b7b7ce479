"""Approvals for production actions and the audit trail (SPEC §16): a workspace's policy holds some actions
back until an approver decides; the audit lists what was done from Slack. Start with `requests.py`.

    policy.py     which actions on which environments wait, and for whom (pure)
    requests.py   the policy's commands, the gate of the actions, the request's buttons, expiry
    views.py      the request message, `policy show`, the audit's lines (Block Kit, pure)
    audit.py      `/qovery audit`, and the Home tab's last actions
    ports.py      the policies kept (the requests are the actions' records)
"""

from bot.approvals.audit import Audit
from bot.approvals.policy import GATED_BY_DEFAULT, POLICY_OPTIONS, Policy, policy_option_named, read_actions
from bot.approvals.requests import Approvals
from bot.approvals.views import APPROVE_ACTION, REJECT_ACTION, WITHDRAW_ACTION

__all__ = [
    "APPROVE_ACTION",
    "GATED_BY_DEFAULT",
    "POLICY_OPTIONS",
    "REJECT_ACTION",
    "WITHDRAW_ACTION",
    "Approvals",
    "Audit",
    "Policy",
    "policy_option_named",
    "read_actions",
]
