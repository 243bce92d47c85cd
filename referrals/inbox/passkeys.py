"""Passkeys (WebAuthn Level 3) through the `webauthn` package: making one at sign-up, and
signing in with one.

The relying party id is the inbox origin's host name (WebAuthn needs a domain: `localhost`
in development, never 127.0.0.1). User verification is required (the device's PIN,
fingerprint or face), so a passkey is two factors in one: no second factor, no entry.
Sign-in uses discoverable credentials, so staff choose their passkey without typing an id.
Each challenge lives in the session, and is taken out as it is used: it works once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import bytes_to_base64url
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ..inbox_store import Passkey, StaffMember
from .settings import InboxSettings

RP_NAME = "OXPIP intake inbox"


class PasskeyRefused(Exception):
    """The browser's answer did not check out; the message is safe to show."""


@dataclass(frozen=True)
class Options:
    json: str  # PublicKeyCredentialCreationOptionsJSON / RequestOptionsJSON, for the page
    challenge: str  # base64url, kept in the session


def registration_options(settings: InboxSettings, member: StaffMember) -> Options:
    options = generate_registration_options(
        rp_id=settings.rp_id,
        rp_name=RP_NAME,
        user_name=member.id,
        user_id=member.id.encode("utf-8"),
        user_display_name=member.name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
    )
    return Options(options_to_json(options), bytes_to_base64url(options.challenge))


def verify_registration(settings: InboxSettings, member: StaffMember, challenge: str, credential: str) -> Passkey:
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=settings.rp_id,
            expected_origin=settings.origin,
            require_user_verification=True,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise PasskeyRefused("Your passkey could not be saved. Try again, or choose a password and code instead.") from None
    return Passkey(verified.credential_id, member.id, verified.credential_public_key, verified.sign_count)


def authentication_options(settings: InboxSettings) -> Options:
    options = generate_authentication_options(rp_id=settings.rp_id, user_verification=UserVerificationRequirement.REQUIRED)
    return Options(options_to_json(options), bytes_to_base64url(options.challenge))


def credential_id(credential: str) -> bytes:
    """The raw id of the passkey the browser used (to look it up before verifying)."""
    try:
        return base64url_to_bytes(json.loads(credential)["rawId"])
    except (ValueError, KeyError, TypeError):
        raise PasskeyRefused("That passkey answer could not be read. Try again.") from None


def verify_authentication(settings: InboxSettings, passkey: Passkey, challenge: str, credential: str) -> int:
    """The passkey's new signature counter, or PasskeyRefused."""
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=settings.rp_id,
            expected_origin=settings.origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=True,
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise PasskeyRefused("That passkey did not sign you in. Try again, or use your password and code.") from None
    return verified.new_sign_count
