"""A workspace's connection to Qovery: `/qovery connect` (a token checked, its organization chosen,
sealed) and `disconnect`, and what removing the app forgets. Start with `connect.py`."""

from bot.connection.connect import Connection, organizations_of

__all__ = ["Connection", "organizations_of"]
