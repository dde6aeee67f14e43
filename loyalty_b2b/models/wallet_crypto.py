"""Certificates, keys and signatures of the wallet passes, in plain Python on
``cryptography``: no Odoo here, so that the rules read and test on their own.

Every function raises :class:`WalletCryptoError` with a ``code`` saying what
is wrong; the caller turns the code into a translated message."""

import base64
import datetime
import json

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

PEM_MARKER = b"-----BEGIN"
# What a Google service account key file must hold to sign a save link.
SERVICE_ACCOUNT_KEYS = ("client_email", "private_key")


class WalletCryptoError(ValueError):
    """A certificate, key or key file that cannot be used. ``code``: one of
    ``certificate_unreadable``, ``key_missing``, ``key_unreadable``,
    ``key_password``, ``key_mismatch``, ``certificate_expired``,
    ``certificate_not_yet_valid``, ``p12_password``, ``json_malformed``,
    ``json_missing``, ``json_key_unreadable``; ``params``: details for the
    message (``date``, ``keys``)."""

    def __init__(self, code, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def _password_bytes(password):
    if not password:
        return None
    return password.encode() if isinstance(password, str) else password


def load_certificate(data):
    """The X.509 certificate of ``data``, PEM or DER."""
    try:
        if PEM_MARKER in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as error:
        raise WalletCryptoError("certificate_unreadable") from error


def load_private_key(data, password=None, checked=False):
    """The private key of ``data``, PEM or DER, encrypted with ``password`` or
    not. ``checked``: the key was checked when it was uploaded, skip the slow
    RSA consistency check."""
    loader = (
        serialization.load_pem_private_key
        if PEM_MARKER in data
        else serialization.load_der_private_key
    )
    try:
        return loader(
            data,
            password=_password_bytes(password),
            unsafe_skip_rsa_key_validation=checked,
        )
    except TypeError as error:
        # Encrypted without a password, or a password for a clear key.
        raise WalletCryptoError("key_password") from error
    except ValueError as error:
        raise WalletCryptoError("key_unreadable") from error


def load_pkcs12(data, password=None):
    """``(certificate, private key)`` of a ``.p12`` file."""
    try:
        key, certificate, _others = pkcs12.load_key_and_certificates(
            data, _password_bytes(password)
        )
    except (TypeError, ValueError) as error:
        # cryptography does not tell a wrong password from a damaged file.
        raise WalletCryptoError("p12_password") from error
    if not certificate:
        raise WalletCryptoError("certificate_unreadable")
    if not key:
        raise WalletCryptoError("key_missing")
    return certificate, key


def load_signing_identity(
    certificate_data, key_data=None, password=None, checked=False
):
    """``(certificate, private key)`` that sign passes, from the files an
    administrator uploads: a certificate (PEM, or Apple's DER ``.cer``) and its
    private key (PEM or DER, the key may also follow the certificate in one PEM
    file), or a ``.p12`` holding both. ``password``: of the ``.p12`` or of an
    encrypted key; ``checked``: as for ``load_private_key``. The key must be
    the certificate's."""
    if PEM_MARKER not in certificate_data:
        try:
            certificate = x509.load_der_x509_certificate(certificate_data)
        except ValueError:
            certificate, key = load_pkcs12(certificate_data, password)
            check_key_matches(certificate, key)
            return certificate, key
    else:
        certificate = load_certificate(certificate_data)
    if not key_data and b"PRIVATE KEY" in certificate_data:
        key_data = certificate_data
    if not key_data:
        raise WalletCryptoError("key_missing")
    key = load_private_key(key_data, password, checked)
    check_key_matches(certificate, key)
    return certificate, key


def _public_der(public_key):
    return public_key.public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo,
    )


def check_key_matches(certificate, key):
    """Refuse a private key that is not the certificate's."""
    if _public_der(certificate.public_key()) != _public_der(key.public_key()):
        raise WalletCryptoError("key_mismatch")


def check_validity(certificate, now=None):
    """Refuse a certificate that expired or is not valid yet at ``now`` (an
    aware datetime, the current time by default)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    if certificate.not_valid_after_utc < now:
        raise WalletCryptoError(
            "certificate_expired", date=certificate.not_valid_after_utc.date()
        )
    if certificate.not_valid_before_utc > now:
        raise WalletCryptoError(
            "certificate_not_yet_valid", date=certificate.not_valid_before_utc.date()
        )


def sign_detached(data, certificate, key, extra_certificates=()):
    """Detached PKCS#7 signature (DER) of ``data`` by ``certificate``,
    carrying ``extra_certificates`` (Apple's WWDR intermediate) for the
    verifier to build the chain."""
    builder = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(data)
        .add_signer(certificate, key, hashes.SHA256())
    )
    for extra in extra_certificates:
        builder = builder.add_certificate(extra)
    return builder.sign(
        serialization.Encoding.DER,
        [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
    )


def load_service_account(data):
    """``(client email, private key)`` of a Google service account key file
    (JSON)."""
    try:
        account = json.loads(data)
    except (UnicodeDecodeError, ValueError) as error:
        raise WalletCryptoError("json_malformed") from error
    if not isinstance(account, dict):
        raise WalletCryptoError("json_malformed")
    missing = [
        key
        for key in SERVICE_ACCOUNT_KEYS
        if not isinstance(account.get(key), str) or not account[key]
    ]
    if missing:
        raise WalletCryptoError("json_missing", keys=", ".join(missing))
    try:
        key = serialization.load_pem_private_key(
            account["private_key"].encode(), password=None
        )
    except (TypeError, ValueError) as error:
        raise WalletCryptoError("json_key_unreadable") from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise WalletCryptoError("json_key_unreadable")
    return account["client_email"], key


def base64url(data):
    """Base64url without padding, as JSON Web Tokens write their parts."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_jwt_rs256(claims, key, key_id=None):
    """The compact JSON Web Token of ``claims`` signed RS256 (RSASSA-PKCS1-v1_5
    with SHA-256) with the RSA private ``key``."""
    header = {"alg": "RS256", "typ": "JWT"}
    if key_id:
        header["kid"] = key_id
    signing_input = ".".join(
        base64url(json.dumps(part, separators=(",", ":")).encode())
        for part in (header, claims)
    )
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{base64url(signature)}"
