"""Which environment a console link names (SPEC §18), in each of the console's forms; anything else is
no console link, whatever it holds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.unfurls.links import ConsoleLink, read_link

ORG, PROJECT, ENV = (
    "03ac106b-83c8-42da-a57f-10bef89fb8df",
    "b77f87e7-cc25-47e0-984b-fb898250c87f",
    "46ed7748-5067-4d2e-8e18-262fb544114b",
)
SERVICE = "5c252fcf-1480-45db-8a04-41b5d23f1038"
BASE = f"https://console.qovery.com/organization/{ORG}/project/{PROJECT}/environment/{ENV}"


@pytest.mark.parametrize(
    ("url", "service"),
    [
        (f"{BASE}/overview", None),
        (f"{BASE}/services/general", None),
        (f"{BASE}/deployments", None),
        (f"{BASE}", None),
        (f"{BASE}/application/{SERVICE}/general", SERVICE),
        (f"{BASE}/database/{SERVICE}/settings/general", SERVICE),
        (f"{BASE}/logs/{SERVICE}/deployment-logs/{SERVICE}-3", SERVICE),
        (
            f"https://console.qovery.com/platform/organization/{ORG}/projects/{PROJECT}/environments/{ENV}"
            f"/applications/{SERVICE}/summary?tab=1#top",
            SERVICE,
        ),
    ],
)
def test_each_form_names_its_environment(url: str, service: str | None) -> None:
    assert read_link(url) == ConsoleLink(url, ORG, PROJECT, ENV, service)


@pytest.mark.parametrize(
    "url",
    [
        f"http://console.qovery.com/organization/{ORG}/project/{PROJECT}/environment/{ENV}",
        f"https://console.qovery.com:8443/organization/{ORG}/project/{PROJECT}/environment/{ENV}",
        f"https://console.qovery.com.evil.example/organization/{ORG}/project/{PROJECT}/environment/{ENV}",
        f"https://a:b@console.qovery.com/organization/{ORG}/project/{PROJECT}/environment/{ENV}",
        f"https://console.qovery.com/organization/{ORG}/project/{PROJECT}/overview",
        f"https://console.qovery.com/organization/{ORG}/project/{PROJECT}/environment/{ENV[:-1]}",
        f"https://console.qovery.com/organization/{ORG}/project/{PROJECT}/environment/{ENV}/<!channel>",
        f"https://console.qovery.com/organization/{ORG}/project/{PROJECT}/environment/{ENV}/%3C!here%3E",
        f"https://console.qovery.com/org/{ORG}/project/{PROJECT}/environment/{ENV}",
        f"https://console.qovery.com/organization/{ORG}/project/{PROJECT}/environment/{ENV}/" + "a" * 3000,
        f"https://console.qovery.com/organization/{ORG}/project/{PROJECT}/environment/{ENV}/é",
        "https://console.qovery.com/",
        "not a url at all",
        "https://[::1",
    ],
)
def test_anything_else_is_no_console_link(url: str) -> None:
    assert read_link(url) is None


@given(st.text(max_size=300))
def test_no_text_makes_the_reader_fail(text: str) -> None:
    found = read_link(text)
    assert found is None or found.url == text
