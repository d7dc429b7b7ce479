"""`/qovery deliveries`: what became of the deliveries to this channel, and replaying failed ones."""

from __future__ import annotations

from bot.access import Access, Caller
from bot.blocks import Block, Message, button, context, escape, plain, read_row_id, section, slack_date
from bot.deliveries.ports import DeliveryQueue, DeliveryRecord, DeliveryState

__all__ = ["REPLAY_ACTION", "DeliveryLog", "delivery_block"]

REPLAY_ACTION = "delivery_replay"
SHOWN = 20
_STATE_WORDS = {
    DeliveryState.QUEUED: ":hourglass_flowing_sand: received",
    DeliveryState.POSTING: ":outbox_tray: posting",
    DeliveryState.POSTED: ":white_check_mark: posted",
    DeliveryState.SKIPPED: ":fast_forward: not posted",
    DeliveryState.RETRYING: ":repeat: retrying",
    DeliveryState.FAILED: ":x: failed",
    DeliveryState.HELD: ":crescent_moon: held",
    DeliveryState.SUMMED: ":scroll: summed up",
}


class DeliveryLog:
    def __init__(self, access: Access, queue: DeliveryQueue) -> None:
        self._access = access
        self._queue = queue

    async def recent(self, caller: Caller) -> Message:
        records = await self._queue.recent(caller.team_id, caller.channel_id, SHOWN)
        if not records:
            return plain("Qovery has delivered nothing to this channel yet.")
        blocks: list[Block] = [section(f"*The last {len(records)} deliveries to this channel*")]
        blocks += [delivery_block(record) for record in records]
        blocks.append(context("Failed deliveries can be replayed; they are posted again, in order."))
        return {"response_type": "ephemeral", "text": "The last deliveries to this channel", "blocks": blocks}

    async def replay(self, caller: Caller, value: object) -> Message:
        """Replay the failed delivery a button names, if it is one of this workspace's."""
        await self._access.check_may_change(caller)
        delivery_id = read_row_id(value)
        if delivery_id is not None and await self._queue.replay(delivery_id, caller.team_id):
            return plain(":repeat: Queued again: it is posted in a moment.")
        return plain("That delivery is not waiting for a replay any more.")


def delivery_block(record: DeliveryRecord, *, channel: bool = False) -> Block:
    """One delivery: when, what, what became of it and why; a failed one can be replayed."""
    state = _STATE_WORDS.get(record.state, record.state)
    where = f"<#{record.channel_id}>  " if channel else ""
    line = f"{slack_date(record.received_at)}  {where}{escape(record.summary)}  {state}"
    if record.reason:
        line += f" ({escape(record.reason)})"
    if record.attempts and record.state is not DeliveryState.POSTED:
        line += f", {record.attempts} attempt{'s' if record.attempts > 1 else ''}"
    block = section(line)
    if record.state is DeliveryState.FAILED:
        block["accessory"] = button("Replay", REPLAY_ACTION, value=str(record.id))
    return block
