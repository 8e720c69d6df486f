"""The tool's RSA key: it signs the client assertions of the OAuth token requests (RFC 7523) and
its public half is served as the tool's JWKS. JOSE is pyjwt's; nothing here signs or verifies by hand.

``DEV_LTI_PRIVATE_KEY`` is published in this file: production refuses it (``settings``).
"""

from __future__ import annotations

import json
import time
import uuid
from functools import lru_cache

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

DEV_LTI_PRIVATE_KEY = """\
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDa6WUetxWvlFnq
toxqEfyhRWliNCVP15NVALKILGWQs5f3dDDlGSNewv2JrrCzJxI1JfVMYG6EhiEJ
l3wWdNOvWI25eogwqQqHt8NJLTZ45/h5NnBBqQ65+kMa1r0rAvsI16jF0BltJIcl
YigZiO+iEo86f9qXHFxQjfs3/qAOrzGSES3xpW3ifuthho3inOhNlB58yV0wF7Vt
Dl++7RnazCnblm6a6bEVpmmp/RLWxgpY3M7btrrYn2ZuLs5FWD9UCA53YLZRQoIF
KCPSnkDHUzcrSEL6oVUj/6GOZ7PLaY2H0M6eWwkZreKIQV6DBcXFADW6DLiywZXg
Vg+3O6ZtAgMBAAECggEAEZ+ivoAJUicR58GLWNplWaYQ/PELREar67bgaJzrDqTy
ufR5Sjxa8Aen1IQt4WJmxsTCny6P6dcy2jGUnGnf2o45F1f8Floe3lG8Okwrm5IQ
m3uMj9tYc5RS/4UPBM3a4A7ynVLqn8eGIiDpRF2qmG7rknoADanLbHMdvi000rGq
+HD0Ki2zdZeZPVvjfMCVgCkDvcCyIsOumowkjLagqSHijF0lcr0Wu9gEHESNUlbb
h+9lErFfY/2uOOj7NkX8Ez6sTqhkywdcaoRqgPa3lU24vHxqCi+UWZr/7dgmlYxc
fm7mlqlf0vUD3GYhhaENfyQB2Q89tZU8PBR7K98SmQKBgQD77BmRbHiWqBIRLaOy
EtsCAePg+9hhBsydpaWNeGzSBWtRBikMhfry3jUMzL2qVonerhaTZt6ibCMCEa3V
s1Ql53XogZbSYphaMEBHVfTPHbjSofqCcVB9oDC9gx8vGCpeQYWWXlWQAB9CtvOR
ldaufro6DHzwLuZUFKpaceApSQKBgQDedIIJRfR5GYiJoLda4430L14hsDITu3Nz
0/j0t0udANaw+lmsLb2559DrLqyIAiMI9NlbbnM5gFsUiT8NtHwM2Jgz6PQFXe14
A6OxSPTNe7AF4ukNzhWRX4F1O+zzbFULmPRF+4UUWr+mu2B+MV9QhQwJpAG+5GhV
BdlQRhwYBQKBgQCATNkksAqmJ8izyPuieGnjltTYw0qK96yD6VXsO9WoDKyAIlQL
lbydrj90Wl2J//LNXvoObgiazdnydtCCkocbmsr48+69DQusewBxlDxOs0NquqXb
gxxMLqZEDiB2mqcRQ+tmDnsjEHzbPFPF5HrmeZIceDm1FR2m2rN7xp00SQKBgAaF
Qb6F12mpTvBBzr4SR3nt3YN9R6p+Zx7xCq4ZpVS/zos3e2Npn9MQMXaDUrlV3rMH
gkuEzEnWMlVCxJ9hN/Wkb6mt3WE+5JQM/0JWEh7nzjwN76jg7o7pTsEh9YsZFNEX
NanLepYjJtT7TxPD3LhefgDWVtrClTBQ0JLiyzYFAoGAJdh8Gxi5xCZJk8MhWXrS
VefXNz6jVx8ga/tkz9QO6lf0/GRbYWUEGwpHzeciO/O6SuIaQ3edhokJeyVnTGmG
gZlv4ZDrMydDE28EqRTUrutvTOFPTqmaPYUH9pA2dO8J91VWSpyGnaG6+uOp73yo
ZV9wJprdOhV24qsTPeHoQcg=
-----END PRIVATE KEY-----
"""


@lru_cache(maxsize=4)
def private_key(pem: str) -> RSAPrivateKey:
    key = load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, RSAPrivateKey) or key.key_size < 2048:
        raise ValueError("the LTI tool key must be an RSA private key of at least 2048 bits (PEM)")
    return key


def jwks(pem: str, kid: str) -> dict:
    """The tool's public JWKS (what a platform registers as the tool's key set URL)."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key(pem).public_key()))
    return {"keys": [{**jwk, "kid": kid, "alg": "RS256", "use": "sig"}]}


def client_assertion(pem: str, kid: str, *, client_id: str, token_url: str, lifetime_s: int = 300) -> str:
    """The signed JWT a tool presents at the platform's token endpoint (``client_credentials``)."""
    now = int(time.time())
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_url,
        "iat": now,
        "exp": now + lifetime_s,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, private_key(pem), algorithm="RS256", headers={"kid": kid})
