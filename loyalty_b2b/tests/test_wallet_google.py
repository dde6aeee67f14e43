import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from odoo.tests import tagged

from .test_wallet_common import ISSUER, WalletCommon


def b64url_decode(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


@tagged("post_install", "-at_install")
class TestWalletGoogle(WalletCommon):
    """The "Add to Google Wallet" link: a JWT signed RS256 by the service
    account, with the program's class and the card's object."""

    def _decode(self, url):
        self.assertTrue(url.startswith("https://pay.google.com/gp/v/save/"))
        token = url.rsplit("/", 1)[1]
        header, claims, signature = token.split(".")
        self.assertNotIn("=", token)
        self.google_key.public_key().verify(
            b64url_decode(signature),
            f"{header}.{claims}".encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
        with self.assertRaises(InvalidSignature):
            self.pass_key.public_key().verify(
                b64url_decode(signature),
                f"{header}.{claims}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        return json.loads(b64url_decode(header)), json.loads(b64url_decode(claims))

    def test_save_link_is_signed_and_holds_the_card(self):
        card = self.card_cashback
        header, claims = self._decode(card._get_google_wallet_save_url())
        self.assertEqual(header, {"alg": "RS256", "typ": "JWT"})
        self.assertEqual(claims["iss"], self.service_account["client_email"])
        self.assertEqual(claims["aud"], "google")
        self.assertEqual(claims["typ"], "savetowallet")
        self.assertEqual(claims["origins"], [card.get_base_url()])
        [loyalty_class] = claims["payload"]["loyaltyClasses"]
        [loyalty_object] = claims["payload"]["loyaltyObjects"]
        self.assertEqual(
            loyalty_class["id"],
            f"{ISSUER}.loyalty_b2b_program_{self.program_cashback.id}",
        )
        self.assertEqual(loyalty_class["programName"], "Cashback")
        self.assertEqual(loyalty_class["issuerName"], self.company.name)
        self.assertEqual(loyalty_class["reviewStatus"], "UNDER_REVIEW")
        self.assertRegex(loyalty_class["hexBackgroundColor"], r"^#[0-9A-F]{6}$")
        self.assertEqual(loyalty_object["id"], f"{ISSUER}.{card.name}")
        self.assertEqual(loyalty_object["classId"], loyalty_class["id"])
        self.assertEqual(loyalty_object["state"], "ACTIVE")
        self.assertEqual(
            loyalty_object["barcode"],
            {"type": "QR_CODE", "value": card.name, "alternateText": card.name},
        )
        self.assertEqual(loyalty_object["accountId"], card.name)
        self.assertEqual(
            loyalty_object["loyaltyPoints"]["balance"]["money"],
            {
                "micros": round(card.cashback_available * 1_000_000),
                "currencyCode": card.currency_id.name,
            },
        )
        self.assertEqual(loyalty_object["textModulesData"][0]["body"], "Base")

    def test_stamp_card_and_blocked_state(self):
        self.card_stamp.action_block()
        _header, claims = self._decode(self.card_stamp._get_google_wallet_save_url())
        [loyalty_object] = claims["payload"]["loyaltyObjects"]
        self.assertEqual(loyalty_object["state"], "INACTIVE")
        self.assertEqual(loyalty_object["loyaltyPoints"]["balance"], {"int": 2})

    def test_portal_redirects_to_the_save_link(self):
        share_url = self.card_stamp._get_share_url(pid=self.director.id)
        query = share_url.split("?", 1)[1]
        url = f"/my/loyalty/{self.card_stamp.id}/wallet/google?{query}"
        response = self._get(url, 303)
        self._decode(response.headers["Location"])
        self._get(f"/my/loyalty/{self.other_card.id}/wallet/google", 404)

    def test_benefits_object_shows_the_rate_not_the_money(self):
        card = self.card_cashback
        url = f"/my/loyalty/{card.id}/wallet/google"
        self.authenticate("b2b_buyer", "b2b_buyer")
        response = self._get(url, 303)
        _header, claims = self._decode(response.headers["Location"])
        [loyalty_object] = claims["payload"]["loyaltyObjects"]
        self.assertEqual(loyalty_object["id"], f"{ISSUER}.{card.name}-benefits")
        self.assertEqual(
            loyalty_object["loyaltyPoints"],
            {
                "label": "Cashback Rate",
                "balance": {
                    "string": card.program_id._format_percent(card.cashback_percent)
                },
            },
        )
        self.assertNotIn('"money"', json.dumps(claims))
        self.assertEqual(loyalty_object["textModulesData"][0]["body"], "Base")
        self.authenticate("b2b_clerk", "b2b_clerk")
        self._get(url, 403)

    def test_program_logo_route_serves_only_the_logo(self):
        program = self.program_cashback
        self._get(f"/loyalty/program/{program.id}/logo.png", 404)
        program.logo = base64.b64encode(self.PNG)
        response = self._get(f"/loyalty/program/{program.id}/logo.png")
        self.assertEqual(response.headers["Content-Type"], "image/png")
        self.assertEqual(
            self.card_cashback._get_google_wallet_logo_url(),
            f"{program.get_base_url()}/loyalty/program/{program.id}/logo.png",
        )
        program.active = False
        self._get(f"/loyalty/program/{program.id}/logo.png", 404)
        self._get("/loyalty/program/999999/logo.png", 404)

    PNG = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGA"
        "hKmMIQAAAABJRU5ErkJggg=="
    )
