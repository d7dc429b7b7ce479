"""What can go wrong when the bot asks Qovery something, each with a sentence a Slack user can read.

    QoveryError                 status, detail (Qovery's own words), sentence()
    ├── QoveryUnauthorized      401: the token was refused
    ├── QoveryForbidden         403: the token's role may not, or the id is not visible to it
    ├── QoveryNotFound          404
    ├── QoveryConflict          409: another operation runs on the environment
    ├── QoveryInvalidRequest    400, 422: Qovery refused the content
    └── QoveryUnavailable       5xx, network failure
        └── QoveryTimeout       no answer in time

This is the one place that turns a Qovery failure into words. Tokens never appear in any of it.
"""

from __future__ import annotations

__all__ = [
    "QoveryConflict",
    "QoveryError",
    "QoveryForbidden",
    "QoveryInvalidRequest",
    "QoveryNotFound",
    "QoveryTimeout",
    "QoveryUnauthorized",
    "QoveryUnavailable",
]

_DETAIL_LIMIT = 300


class QoveryError(Exception):
    """A call to Qovery failed. `status` is the HTTP status (None when no answer came)."""

    def __init__(self, status: int | None = None, detail: str | None = None, *, lookup: bool = False) -> None:
        self.status = status
        self.detail = _shorten(detail)
        self.lookup = lookup  # the call looked something up by id
        super().__init__(self.sentence())

    def _what_failed(self, command: str) -> str:
        return "The call to Qovery failed."

    def sentence(self, command: str = "/qovery", *, mrkdwn: bool = True) -> str:
        """What the user reads: in mrkdwn, Qovery's own detail made literal; as it is in plain text (a
        form's error under its field)."""
        text = self._what_failed(command)
        if self.detail:
            text += f" Qovery said: {literal(self.detail) if mrkdwn else self.detail}"
        return text


class QoveryUnauthorized(QoveryError):
    def _what_failed(self, command: str) -> str:
        return (
            "The Qovery token was refused: it may have been deleted or have expired. "
            f"An admin can connect a new one with `{command} connect`."
        )


class QoveryForbidden(QoveryError):
    def _what_failed(self, command: str) -> str:
        if self.lookup:
            return "Qovery refused to show it: the id may not exist, or the token's role may not see it."
        return (
            "The Qovery token's role may not do this: webhooks need the Owner, Admin or DevOps role, "
            "and deployments the right to deploy the environment."
        )


class QoveryNotFound(QoveryError):
    def _what_failed(self, command: str) -> str:
        return "Qovery has no such thing: it may have been deleted."


class QoveryConflict(QoveryError):
    def _what_failed(self, command: str) -> str:
        return "Qovery refused: another operation is running on this environment. Try again when it ends."


class QoveryInvalidRequest(QoveryError):
    def _what_failed(self, command: str) -> str:
        return "Qovery refused the request as invalid."


class QoveryUnavailable(QoveryError):
    def _what_failed(self, command: str) -> str:
        answer = f"answered HTTP {self.status}" if self.status else "could not be reached"
        return f"Qovery {answer}. Nothing was changed by the bot; try again in a minute."


class QoveryTimeout(QoveryUnavailable):
    def _what_failed(self, command: str) -> str:
        return "Qovery did not answer in time. Try again in a minute; it may still have done it."


def literal(text: str) -> str:
    """Qovery's words made literal in Slack's mrkdwn (as bot.blocks.escape, which this layer does not
    import): a detail saying `<!channel>` is shown, never a mass mention."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _shorten(detail: str | None) -> str | None:
    if not detail:
        return None
    flat = " ".join(detail.split())
    return flat if len(flat) <= _DETAIL_LIMIT else flat[: _DETAIL_LIMIT - 1] + "…"
