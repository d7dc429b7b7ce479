"""The digest message (SPEC §17): the deployments in a hook's scope over a day or a week, the whole and
then per environment, with the failures linked to Qovery. Pure; names from outside escaped and cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.blocks import MAX_BLOCKS, Block, Message, context, cut, escape, section, slack_date
from bot.deliveries import Card, deployments_url, duration_words, where_words
from bot.digests.figures import Figures, by_environment, figures_of

__all__ = ["digest_message"]

_FAILURES_LINKED = 5
_ENVIRONMENTS_SHOWN = MAX_BLOCKS - 4
_WHO_SHOWN = 8


def _rate(figures: Figures) -> str:
    rate = figures.change_failure_rate
    return "no change finished" if rate is None else f"change failure rate {round(rate * 100)}%"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _figures_words(figures: Figures, where: str = "") -> str:
    """`6 deployments · 1 failed · change failure rate 17% · median 3 min 02 s · time to recover 12 min`."""
    parts = [_plural(figures.count, "deployment") + where, f"{len(figures.failures)} failed", _rate(figures)]
    if figures.median_seconds is not None:
        parts.append(f"median {duration_words(figures.median_seconds)}")
    if figures.recover_seconds is not None:
        parts.append(f"time to recover {duration_words(figures.recover_seconds)}")
    if figures.unrecovered:
        parts.append(f"{figures.unrecovered} not recovered yet")
    return " · ".join(parts)


def _who_words(figures: Figures) -> str:
    shown = [f"{escape(cut(who, 80))} ({count})" for who, count in figures.who[:_WHO_SHOWN]]
    if len(figures.who) > _WHO_SHOWN:
        shown.append(f"{len(figures.who) - _WHO_SHOWN} more")
    if figures.unknown_who:
        shown.append(f"{figures.unknown_who} not known")
    return "Deployed by " + ", ".join(shown) if shown else ""


def _failure_link(card: Card) -> str:
    """When it failed, linked to the environment's deployments in Qovery."""
    link = deployments_url(card.deployment)
    return slack_date(card.finished_at, link) if card.finished_at else "a failure"


def _environment_block(latest: Card, figures: Figures) -> Block:
    where = where_words(latest.deployment)
    lines = [f"*{escape(cut(where, 150))}*: {_figures_words(figures)}"]
    if figures.failures:
        links = [_failure_link(card) for card in figures.failures[-_FAILURES_LINKED:]]
        more = len(figures.failures) - _FAILURES_LINKED
        lines.append("Failed: " + ", ".join(links) + (f" and {more} earlier" if more > 0 else ""))
    if who := _who_words(figures):
        lines.append(who)
    return section("\n".join(lines))


def digest_message(title: str, since: datetime, cards: Sequence[Card]) -> Message:
    """`title` says which digest (`Daily digest`); `cards` are those that finished since `since`."""
    everything = figures_of(cards)
    heading = f":bar_chart: *{escape(title)}* since {slack_date(since)}"
    if not everything.count:
        blocks: list[Block] = [section(f"{heading}\nNo deployment finished.")]
        return {"text": f"{title}: no deployment", "blocks": blocks}
    environments = by_environment(cards)
    where = f" in {_plural(len(environments), 'environment')}"
    blocks = [section(f"{heading}\n{_figures_words(everything, where)}")]
    if who := _who_words(everything):
        blocks.append(context(who))
    blocks += [_environment_block(latest, figures) for latest, figures in environments[:_ENVIRONMENTS_SHOWN]]
    if len(environments) > _ENVIRONMENTS_SHOWN:
        blocks.append(context(f"… and {len(environments) - _ENVIRONMENTS_SHOWN} more environments"))
    return {"text": cut(f"{title}: {_plural(everything.count, 'deployment')}", 300), "blocks": blocks}
