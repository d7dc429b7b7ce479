"""Slack's side: the Bolt app, its listeners (translation only), installations, the directory of users,
the poster of messages, the app manifest. Start with `app.py` (the Bolt AsyncApp), then `listeners.py`
(a Slack payload -> a core call -> Slack calls).

    app.py            the Bolt AsyncApp: signing, one workspace's token or OAuth installations
    listeners.py      commands, buttons, forms and events, each handed to the core
    listener_work.py  listener calls still running when the bot stops
    installations.py  slack-sdk's installation store with Slack's tokens sealed (multi-workspace)
    directory.py      who is an admin (users.info, cached a minute)
    poster.py         chat.postMessage / chat.update; Slack's failures sorted into retry or not
    manifest.py       the Slack app manifest
"""
