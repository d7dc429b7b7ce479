"""The doctor and the App Home: what keeps a workspace's subscriptions from notifying, with a repair
for each, and the Home tab that shows it. Start with `diagnosis.py` (what is found, pure), then
`doctor.py` (`/qovery doctor`, the repairs, the hourly check's telling).

    diagnosis.py   findings from Qovery's webhooks and the bot's hooks (pure)
    doctor.py      the report, the repairs, what is new since the last check
    home.py        the App Home tab, paged within Slack's 100 blocks
    ports.py       the open findings kept
"""

from bot.doctor.diagnosis import Finding, FindingKind
from bot.doctor.doctor import REPAIR_ACTION, Doctor
from bot.doctor.home import DOCTOR_ACTION
from bot.doctor.ports import Findings

__all__ = ["DOCTOR_ACTION", "REPAIR_ACTION", "Doctor", "Finding", "FindingKind", "Findings"]
