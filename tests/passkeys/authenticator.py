"""A real WebAuthn authenticator, written in test code.

It holds an EC P-256 key made with `cryptography`, answers registration options with
attestation "none" and sign-in options with an ECDSA signature over the authenticator data
and the client data hash, as a security key and the browser around it do (WebAuthn Level 3,
sections 6.1 and 6.5). It is not a mock of the `webauthn` library: the service verifies what
it sends with that library exactly as it verifies a browser's answer, and a wrong byte fails.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

USER_PRESENT, USER_VERIFIED, ATTESTED = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    """Base64url without padding, as WebAuthn's JSON writes bytes."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftAuthenticator:
    """One discoverable credential on a software authenticator."""

    def __init__(self, *, verifies_user: bool = True, counts: bool = True) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        self.sign_count = 0
        self.counts = counts  # synced passkeys keep their counter at 0
        self.verifies_user = verifies_user
        self.user_handle: str | None = None

    @property
    def id(self) -> str:
        """The credential id as the browser sends it."""
        return b64url(self.credential_id)

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        # COSE_Key: kty EC2, alg ES256, crv P-256, x, y (RFC 9053)
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _authenticator_data(self, rp_id: str, attested: bytes = b"") -> bytes:
        flags = USER_PRESENT | (USER_VERIFIED if self.verifies_user else 0)
        flags |= ATTESTED if attested else 0
        rp_id_hash = hashlib.sha256(rp_id.encode()).digest()
        return rp_id_hash + bytes([flags]) + self.sign_count.to_bytes(4, "big") + attested

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        ).encode()

    def create(
        self, options: dict, *, origin: str, rp_id: str | None = None, challenge: str | None = None
    ) -> str:
        """The JSON of a PublicKeyCredential answering navigator.credentials.create()."""
        self.user_handle = options["user"]["id"]
        client_data = self._client_data(
            "webauthn.create", challenge or options["challenge"], origin
        )
        credential = len(self.credential_id).to_bytes(2, "big") + self.credential_id
        attested = bytes(16) + credential + self._cose_key()  # AAGUID of zeros: no attestation
        auth_data = self._authenticator_data(rp_id or options["rp"]["id"], attested)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "type": "public-key",
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "attestationObject": b64url(attestation),
                    "transports": ["internal"],
                },
                "clientExtensionResults": {},
                "authenticatorAttachment": "platform",
            }
        )

    def get(
        self, options: dict, *, origin: str, rp_id: str | None = None, challenge: str | None = None
    ) -> str:
        """The JSON of a PublicKeyCredential answering navigator.credentials.get()."""
        if self.counts:
            self.sign_count += 1
        client_data = self._client_data("webauthn.get", challenge or options["challenge"], origin)
        auth_data = self._authenticator_data(rp_id or options["rpId"])
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        response = {
            "clientDataJSON": b64url(client_data),
            "authenticatorData": b64url(auth_data),
            "signature": b64url(signature),
        }
        if self.user_handle:
            response["userHandle"] = self.user_handle
        return json.dumps(
            {
                "id": self.id,
                "rawId": self.id,
                "type": "public-key",
                "response": response,
                "clientExtensionResults": {},
            }
        )
