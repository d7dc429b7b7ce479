"""A service's commits as Qovery lists them (listApplicationCommit, listJobCommit, listHelmCommit,
listTerraformCommit): the last 100 of the branch it builds from, newest first.

Read item by item, but a list is a walk: a commit left out would make a wrong list of what went out.
So a time Qovery writes unreadably is left unknown, and a commit without a readable id makes the whole
list unread (the card then says only the two versions).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bot.qovery._text import one_line
from bot.qovery._time import UtcTime

__all__ = ["COMMIT_SERVICE_TYPES", "Commit"]

# The service types Qovery keeps commits for, and the path it lists them under; a container has none.
COMMIT_SERVICE_TYPES = {"APPLICATION": "application", "JOB": "job", "HELM": "helm", "TERRAFORM": "terraform"}
_TEXT_LIMIT = 20_000  # a commit message longer than this is cut here; the reply cuts it much shorter


class Commit(BaseModel):
    """One commit (Qovery's `Commit`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    git_commit_id: str
    created_at: UtcTime | None = None
    author_name: str = ""
    message: str = ""
    tag: str = ""
    commit_page_url: str | None = None

    @field_validator("git_commit_id")
    @classmethod
    def _sha(cls, value: str) -> str:
        value = value.strip()
        if not 4 <= len(value) <= 64:
            raise ValueError("not a commit id")
        return value

    @field_validator("author_name", "message", "tag", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return value[:_TEXT_LIMIT] if isinstance(value, str) else ""

    @field_validator("author_name", "tag")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return one_line(value)

    @property
    def first_line(self) -> str:
        return one_line((self.message.strip().splitlines() or [""])[0])

    @staticmethod
    def read(item: Any) -> Commit | None:
        """One commit; a time written unreadably is left unknown; None without a readable id."""
        try:
            return Commit.model_validate(item)
        except ValidationError:
            pass
        if not isinstance(item, dict):
            return None
        try:
            return Commit.model_validate({k: v for k, v in item.items() if k != "created_at"})
        except ValidationError:
            return None
