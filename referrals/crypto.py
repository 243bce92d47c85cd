"""Seal referrals to the intake team's public key (libsodium sealed boxes via PyNaCl).

The server only ever holds public keys, so a stolen server or database backup reveals
no referral. Staff open referrals with the private key: in the inbox (libsodium in the
browser: the same sealed boxes) or offline through the CLI. With a recovery key pair
(`keygen --recovery-private/--recovery-public`), every referral and note is also sealed to
the recovery key, so losing the team's private key does not lose the referrals.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

PUBLIC_HEADER = "oxpip-referrals public key v1"
PRIVATE_HEADER = "oxpip-referrals PRIVATE key v1 - keep secret, never put on the server"


class KeyFileError(Exception):
    """A key file is missing, unreadable or not a key of the right kind."""


class WrongKeyError(Exception):
    """The private key does not open this referral."""


def key_id(public_key: PublicKey) -> str:
    """A short fingerprint stored with each referral, so a wrong key is named, not guessed."""
    return hashlib.blake2b(bytes(public_key), digest_size=6).hexdigest()


def generate_keypair() -> tuple[PrivateKey, PublicKey]:
    private = PrivateKey.generate()
    return private, private.public_key


def _encode(header: str, raw: bytes) -> str:
    return f"{header}\n{base64.b64encode(raw).decode('ascii')}\n"


def write_private_key(path: Path, private: PrivateKey) -> None:
    """Create the private key file readable by its owner only; never overwrite."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(_encode(PRIVATE_HEADER, bytes(private)))


def write_public_key(path: Path, public: PublicKey) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(_encode(PUBLIC_HEADER, bytes(public)))


def _read(path: Path, header: str, kind: str) -> bytes:
    try:
        lines = Path(path).read_text(encoding="ascii").split()
    except FileNotFoundError:
        raise KeyFileError(f"No {kind} key file at {path}") from None
    except (OSError, UnicodeDecodeError):
        raise KeyFileError(f"Cannot read the {kind} key file at {path}") from None
    text = " ".join(lines)
    if not text.startswith(header.split(" - ")[0]):
        other = "private" if kind == "public" else "public"
        raise KeyFileError(f"{path} is not a {kind} key (is it the {other} key?)")
    try:
        raw = base64.b64decode(lines[-1], validate=True)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise KeyFileError(f"{path} is damaged: it does not hold a {kind} key")
    return raw


def load_public_key(path: Path) -> PublicKey:
    return PublicKey(_read(path, PUBLIC_HEADER, "public"))


def load_private_key(path: Path) -> PrivateKey:
    return PrivateKey(_read(path, PRIVATE_HEADER, "private"))


def seal(public_key: PublicKey, document: dict) -> bytes:
    """Encrypt a referral; only the matching private key can open it."""
    plain = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return SealedBox(public_key).encrypt(plain)


def seal_referral(document: dict, reference: str, received, flags: tuple[str, ...],
                  team_key: PublicKey, recovery_key: PublicKey | None = None):
    """A SealedReferral: `document` sealed to the team key and, if given, to the recovery key."""
    from .store import SealedReferral

    return SealedReferral(
        reference, received, key_id(team_key), seal(team_key, document), flags,
        recovery_key_id=key_id(recovery_key) if recovery_key else None,
        recovery_sealed=seal(recovery_key, document) if recovery_key else None,
    )


def open_sealed(private_key: PrivateKey, ciphertext: bytes) -> dict:
    try:
        plain = SealedBox(private_key).decrypt(ciphertext)
    except CryptoError:
        raise WrongKeyError("This private key does not open this referral") from None
    return json.loads(plain.decode("utf-8"))
