"""Qovery's own words in what the user reads: literal in mrkdwn (a detail saying `<!channel>` is shown,
never a mass mention), as they are under a form's field (plain text, where `&lt;` would be shown)."""

from __future__ import annotations

from bot.qovery import QoveryConflict


def test_qoverys_detail_is_literal_in_mrkdwn_and_as_it_is_in_plain_text() -> None:
    error = QoveryConflict(409, "<!channel> busy & <@U1>")
    assert "Qovery said: &lt;!channel&gt; busy &amp; &lt;@U1&gt;" in error.sentence()
    assert "Qovery said: <!channel> busy & <@U1>" in error.sentence(mrkdwn=False)
