"""Secrets at rest: sealed values open only with the same key and context, and show nothing."""

from __future__ import annotations

import base64

import pytest

from adapters.crypto import SecretBox, SecretTampered

KEY = "a-secret-key-of-at-least-thirty-two-characters"
CONTEXT = "workspace:T1:qovery_token"


def test_round_trip() -> None:
    box = SecretBox(KEY)
    sealed = box.seal("qov_token_value", CONTEXT)
    assert box.open(sealed, CONTEXT) == "qov_token_value"
    assert SecretBox(KEY).open(sealed, CONTEXT) == "qov_token_value"  # the key is derived the same way


def test_sealed_value_hides_the_secret_and_never_repeats() -> None:
    box = SecretBox(KEY)
    first, second = box.seal("qov_token_value", CONTEXT), box.seal("qov_token_value", CONTEXT)
    assert first != second  # a fresh nonce each time
    assert "qov_token_value" not in first
    assert first.startswith("v1.")


def test_tampering_is_detected() -> None:
    box = SecretBox(KEY)
    sealed = box.seal("qov_token_value", CONTEXT)
    raw = bytearray(base64.urlsafe_b64decode(sealed.removeprefix("v1.")))
    for position in (0, 12, len(raw) - 1):  # the nonce, the ciphertext, the tag
        flipped = bytearray(raw)
        flipped[position] ^= 0x01
        with pytest.raises(SecretTampered):
            box.open("v1." + base64.urlsafe_b64encode(bytes(flipped)).decode(), CONTEXT)
    with pytest.raises(SecretTampered):
        box.open(sealed[:20], CONTEXT)
    with pytest.raises(SecretTampered):
        box.open("not sealed at all", CONTEXT)


def test_value_moved_to_another_row_does_not_open() -> None:
    box = SecretBox(KEY)
    sealed = box.seal("qov_token_value", CONTEXT)
    with pytest.raises(SecretTampered):
        box.open(sealed, "workspace:T2:qovery_token")


def test_another_secret_key_does_not_open() -> None:
    sealed = SecretBox(KEY).seal("qov_token_value", CONTEXT)
    with pytest.raises(SecretTampered):
        SecretBox(KEY + "-rotated").open(sealed, CONTEXT)


def test_repr_shows_no_key() -> None:
    assert KEY not in repr(SecretBox(KEY))
