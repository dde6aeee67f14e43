import base64
import datetime
import json

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .test_portal_common import PortalCardsCommon

PASS_TYPE = "pass.com.example.loyalty"
TEAM = "ABCDE12345"
ISSUER = "3388000000012345678"


def make_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_certificate(
    subject_name, key, issuer_name=None, issuer_key=None, is_ca=False, days=(-1, 365)
):
    """A certificate of ``key`` for ``subject_name``, signed by ``issuer_key``
    (self-signed without one), valid from/to ``days`` around now."""
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_name)])
    issuer = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, issuer_name or subject_name)]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + datetime.timedelta(days=days[0]))
        .not_valid_after(now + datetime.timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if is_ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    return builder.sign(issuer_key or key, hashes.SHA256())


def pem(value):
    if isinstance(value, x509.Certificate):
        return value.public_bytes(serialization.Encoding.PEM)
    return value.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def b64(data):
    return base64.b64encode(data)


class WalletCommon(PortalCardsCommon):
    """A throwaway certificate authority, an intermediate in the place of
    Apple's WWDR certificate and a Pass Type ID certificate it issued; a
    Google service account key; the test company configured with them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ca_key, cls.wwdr_key, cls.pass_key, cls.google_key = (
            make_key() for _i in range(4)
        )
        cls.ca_cert = make_certificate("Test Root CA", cls.ca_key, is_ca=True)
        cls.wwdr_cert = make_certificate(
            "Test WWDR", cls.wwdr_key, "Test Root CA", cls.ca_key, is_ca=True
        )
        cls.pass_cert = make_certificate(
            f"Pass Type ID: {PASS_TYPE}", cls.pass_key, "Test WWDR", cls.wwdr_key
        )
        cls.service_account = {
            "type": "service_account",
            "client_email": "wallet@example-project.iam.gserviceaccount.com",
            "private_key_id": "0123456789abcdef",
            "private_key": pem(cls.google_key).decode(),
        }
        cls.company.write(cls._wallet_values())

    @classmethod
    def _wallet_values(cls):
        return {
            "b2b_apple_pass_type_identifier": PASS_TYPE,
            "b2b_apple_team_identifier": TEAM,
            "b2b_apple_organization_name": "Example Tools",
            "b2b_apple_certificate": b64(pem(cls.pass_cert)),
            "b2b_apple_private_key": b64(pem(cls.pass_key)),
            "b2b_apple_wwdr_certificate": b64(pem(cls.wwdr_cert)),
            "b2b_google_issuer_identifier": ISSUER,
            "b2b_google_service_account_key": b64(
                json.dumps(cls.service_account).encode()
            ),
        }

    @classmethod
    def _unconfigure_wallets(cls, company=None):
        (company or cls.company).write(
            {
                "b2b_apple_certificate": False,
                "b2b_apple_private_key": False,
                "b2b_apple_wwdr_certificate": False,
                "b2b_google_service_account_key": False,
            }
        )
