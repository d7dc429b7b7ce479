"""Console links unfurled (SPEC §18): a `console.qovery.com` link pasted in Slack shows its environment's
state and last deployment. Start with `unfurls.py`.
    links.py      which environment (and service) a console link names, in each of the console's forms
    unfurls.py    the previews, looked up with the workspace's token, in one chat.unfurl
    ports.py      chat.unfurl, and where the links were shared
"""

from bot.unfurls.ports import LinkPreviews, SharedIn
from bot.unfurls.unfurls import OPEN_LINK_ACTION, Unfurls

__all__ = ["OPEN_LINK_ACTION", "LinkPreviews", "SharedIn", "Unfurls"]
