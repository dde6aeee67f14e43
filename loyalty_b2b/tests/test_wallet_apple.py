import base64
import hashlib
import io
import json
import os
import subprocess
import tempfile
import zipfile

from PIL import Image

from odoo.tests import tagged

from .test_wallet_common import PASS_TYPE, TEAM, WalletCommon, pem

# What Apple requires of every pass.json (PassKit "Pass" reference).
REQUIRED_KEYS = {
    "formatVersion",
    "passTypeIdentifier",
    "serialNumber",
    "teamIdentifier",
    "organizationName",
    "description",
}


@tagged("post_install", "-at_install")
class TestWalletApple(WalletCommon):
    """The .pkpass of a card: its files, their manifest, the signature a
    phone checks against Apple's chain (here a throwaway one), and what
    pass.json shows of each kind of card."""

    def _open(self, content):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return {name: archive.read(name) for name in archive.namelist()}

    def _verify_signature(self, files):
        """openssl checks the detached signature of manifest.json against the
        throwaway root: the pass certificate chains through the intermediate
        the signature carries."""
        with tempfile.TemporaryDirectory() as folder:
            paths = {}
            for name, content in (
                ("signature", files["signature"]),
                ("manifest.json", files["manifest.json"]),
                ("ca.pem", pem(self.ca_cert)),
            ):
                paths[name] = os.path.join(folder, name)
                with open(paths[name], "wb") as file:
                    file.write(content)
            return subprocess.run(
                [
                    "openssl",
                    "smime",
                    "-verify",
                    "-binary",
                    "-inform",
                    "DER",
                    "-in",
                    paths["signature"],
                    "-content",
                    paths["manifest.json"],
                    "-CAfile",
                    paths["ca.pem"],
                    "-purpose",
                    "any",
                    "-out",
                    os.devnull,
                ],
                capture_output=True,
                check=False,
            )

    def test_pass_files_manifest_and_signature(self):
        files = self._open(self.card_cashback._get_apple_pass())
        self.assertEqual(
            set(files),
            {
                "pass.json",
                "manifest.json",
                "signature",
                "icon.png",
                "icon@2x.png",
                "logo.png",
                "logo@2x.png",
            },
        )
        manifest = json.loads(files["manifest.json"])
        self.assertEqual(set(manifest), set(files) - {"manifest.json", "signature"})
        for name, digest in manifest.items():
            self.assertEqual(hashlib.sha1(files[name]).hexdigest(), digest, name)
        result = self._verify_signature(files)
        self.assertEqual(result.returncode, 0, result.stderr.decode())
        self.assertIn(b"Verification successful", result.stderr)
        # A changed manifest no longer verifies.
        tampered = dict(files, **{"manifest.json": files["manifest.json"] + b" "})
        self.assertNotEqual(self._verify_signature(tampered).returncode, 0)
        with Image.open(io.BytesIO(files["icon@2x.png"])) as icon:
            self.assertEqual(icon.size, (58, 58))

    def test_pass_json_of_a_cashback_card(self):
        card = self.card_cashback
        data = card._get_apple_pass_data()
        self.assertLessEqual(REQUIRED_KEYS, set(data))
        self.assertEqual(data["formatVersion"], 1)
        self.assertEqual(data["passTypeIdentifier"], PASS_TYPE)
        self.assertEqual(data["teamIdentifier"], TEAM)
        self.assertEqual(data["serialNumber"], card.name)
        self.assertEqual(data["organizationName"], "Example Tools")
        self.assertEqual(
            data["webServiceURL"], card.get_base_url() + "/loyalty/passkit"
        )
        self.assertGreaterEqual(len(data["authenticationToken"]), 16)
        self.assertEqual(data["authenticationToken"], card.sudo().wallet_auth_token)
        self.assertRegex(data["backgroundColor"], r"^rgb\(\d+, \d+, \d+\)$")
        self.assertEqual(
            data["barcodes"],
            [
                {
                    "format": "PKBarcodeFormatQR",
                    "message": card._get_card_code_value(),
                    "messageEncoding": "iso-8859-1",
                    "altText": card.name,
                }
            ],
        )
        self.assertNotIn("voided", data)
        fields = data["storeCard"]
        self.assertEqual(
            fields["headerFields"][0], {"key": "tier", "label": "Tier", "value": "Base"}
        )
        self.assertEqual(
            fields["primaryFields"][0],
            {
                "key": "cashback",
                "label": "Cashback available",
                "value": card.cashback_available,
                "currencyCode": card.currency_id.name,
            },
        )
        self.assertEqual(fields["secondaryFields"][0]["value"], card.partner_id.name)
        self.assertIn(
            card.next_tier_message,
            [field["value"] for field in fields["auxiliaryFields"]],
        )
        back = {field["key"]: field["value"] for field in fields["backFields"]}
        self.assertEqual(back["number"], card.name)
        self.assertIn("cashback", back["terms"])
        self.assertIn(self.company.name, back["contact"])

    def test_pass_json_of_stamp_and_discount_cards(self):
        primary = self.card_stamp._get_apple_pass_data()["storeCard"]["primaryFields"]
        self.assertEqual(primary[0]["value"], "2 / 3")
        primary = self.card_volume._get_apple_pass_data()["storeCard"]["primaryFields"]
        self.assertEqual(primary[0]["key"], "discount")
        self.assertEqual(primary[0]["value"], "3 %")

    def test_blocked_card_pass_is_voided(self):
        self.card_stamp.action_block()
        data = self.card_stamp._get_apple_pass_data()
        self.assertIs(data["voided"], True)
        self.assertEqual(
            data["storeCard"]["secondaryFields"][0],
            {"key": "state", "label": "Card", "value": "Blocked: no benefit"},
        )

    def test_program_logo_is_resized(self):
        buffer = io.BytesIO()
        Image.new("RGB", (400, 200), (200, 30, 30)).save(buffer, format="PNG")
        self.program_cashback.logo = base64.b64encode(buffer.getvalue())
        files = self._open(self.card_cashback._get_apple_pass())
        with Image.open(io.BytesIO(files["logo@2x.png"])) as logo:
            # The program keeps its logo at 256 px at most; 320 x 100 fits it.
            self.assertEqual(logo.size, (200, 100))
        with Image.open(io.BytesIO(files["icon.png"])) as icon:
            self.assertEqual(icon.size, (29, 15))
        # The images are kept per logo: a new logo gives new images.
        buffer = io.BytesIO()
        Image.new("RGB", (100, 100), (30, 30, 200)).save(buffer, format="PNG")
        self.program_cashback.logo = base64.b64encode(buffer.getvalue())
        files = self._open(self.card_cashback._get_apple_pass())
        with Image.open(io.BytesIO(files["logo@2x.png"])) as logo:
            self.assertEqual(logo.size, (100, 100))

    def test_pass_wears_the_program_design(self):
        buffer = io.BytesIO()
        Image.new("RGB", (1000, 600), (240, 240, 240)).save(buffer, format="PNG")
        self.program_cashback.write(
            {
                "card_background_color": "#F5E6C8",
                "card_text_color": "#3A2A10",
                "card_background_image": base64.b64encode(buffer.getvalue()),
            }
        )
        data = self.card_cashback._get_apple_pass_data()
        self.assertEqual(data["backgroundColor"], "rgb(245, 230, 200)")
        self.assertEqual(data["foregroundColor"], "rgb(58, 42, 16)")
        files = self._open(self.card_cashback._get_apple_pass())
        with Image.open(io.BytesIO(files["strip@2x.png"])) as strip:
            self.assertLessEqual(strip.size[0], 750)
            self.assertLessEqual(strip.size[1], 246)
        manifest = json.loads(files["manifest.json"])
        self.assertEqual(
            manifest["strip.png"], hashlib.sha1(files["strip.png"]).hexdigest()
        )

    def test_email_composer_attaches_the_pass(self):
        action = self.card_cashback.action_send_apple_pass()
        self.assertEqual(action["res_model"], "mail.compose.message")
        context = action["context"]
        attachment = self.env["ir.attachment"].browse(context["default_attachment_ids"])
        self.assertEqual(attachment.mimetype, "application/vnd.apple.pkpass")
        self.assertEqual(attachment.name, f"{self.card_cashback.name}.pkpass")
        self.assertIn("signature", self._open(attachment.raw))
        composer = self.env["mail.compose.message"].with_context(**context).create({})
        composer._action_send_mail()
        message = self.card_cashback.message_ids[0]
        self.assertEqual(message.attachment_ids.name, attachment.name)
        self.assertEqual(message.partner_ids, self.customer)

    def test_rotating_the_token_drops_registrations(self):
        card = self.card_cashback
        old = card._get_wallet_auth_token()
        self.env["loyalty.b2b.wallet.registration"].create(
            {
                "card_id": card.id,
                "device_library_identifier": "device1",
                "pass_type_identifier": PASS_TYPE,
                "push_token": "push1",
            }
        )
        card.action_rotate_wallet_token()
        self.assertNotEqual(card.sudo().wallet_auth_token, old)
        self.assertFalse(card.wallet_registration_ids)

    def test_portal_route_serves_the_pass(self):
        url = f"/my/loyalty/{self.card_cashback.id}/wallet/apple"
        self.authenticate("b2b_director", "b2b_director")
        response = self._get(url)
        self.assertEqual(
            response.headers["Content-Type"], "application/vnd.apple.pkpass"
        )
        self.assertIn("pass.json", self._open(response.content))
        # Another company's card, whatever the id: 404.
        self._get(f"/my/loyalty/{self.other_card.id}/wallet/apple", 404)
        # The procurement manager gets the benefits pass (see below); the
        # roles that see neither money nor benefits get none.
        self.authenticate("b2b_buyer", "b2b_buyer")
        data = json.loads(self._open(self._get(url).content)["pass.json"])
        self.assertEqual(data["serialNumber"], f"{self.card_cashback.name}-benefits")
        self.authenticate("b2b_clerk", "b2b_clerk")
        self._get(url, 403)
        # The tokenised link of the card, for a visitor: signed for the
        # accountant it gives the pass; the token alone shows the card only.
        self.authenticate(None, None)
        self._get(url, 404)
        token = self.card_cashback._portal_ensure_token()
        self._get(f"{url}?access_token={token}", 403)
        share_url = self.card_cashback._get_share_url(pid=self.accountant.id)
        query = share_url.split("?", 1)[1]
        response = self._get(f"{url}?{query}")
        self.assertEqual(self._open(response.content)["signature"][:1], b"0")

    def test_portal_benefits_pass_shows_no_money(self):
        card = self.card_cashback
        self.assertTrue(card.cashback_available)
        self.authenticate("b2b_buyer", "b2b_buyer")
        response = self._get(f"/my/loyalty/{card.id}/wallet/apple")
        self.assertIn(
            f"{card.name}-benefits.pkpass", response.headers["Content-Disposition"]
        )
        files = self._open(response.content)
        result = self._verify_signature(files)
        self.assertEqual(result.returncode, 0, result.stderr)
        data = json.loads(files["pass.json"])
        self.assertEqual(data["serialNumber"], f"{card.name}-benefits")
        token = data["authenticationToken"]
        self.assertEqual(token, card._get_wallet_auth_token("benefits"))
        self.assertNotEqual(token, card.sudo().wallet_auth_token)
        self.assertGreaterEqual(len(token), 43)
        store_card = data["storeCard"]
        rate = card.program_id._format_percent(card.cashback_percent)
        self.assertIn("%", rate)
        self.assertEqual(
            store_card["primaryFields"],
            [{"key": "cashback_rate", "label": "Cashback Rate", "value": rate}],
        )
        # No money on the front nor the back.
        every_field = [field for group in store_card.values() for field in group]
        self.assertTrue(any(field["key"] == "tier" for field in every_field))
        self.assertNotIn("cashback", {field["key"] for field in every_field})
        self.assertFalse([field for field in every_field if "currencyCode" in field])
        self.assertNotIn(
            card.cashback_available, [field["value"] for field in every_field]
        )
        self.assertNotIn(b"Cashback available", files["pass.json"])
        # The full pass is unchanged: rotating the card's secret rotates both.
        full = card._get_apple_pass_data()
        self.assertEqual(full["serialNumber"], card.name)
        self.assertEqual(full["storeCard"]["primaryFields"][0]["key"], "cashback")
        card.action_rotate_wallet_token()
        self.assertNotEqual(card._get_wallet_auth_token("benefits"), token)

    def test_portal_route_404_when_not_configured(self):
        self._unconfigure_wallets()
        self.authenticate("b2b_director", "b2b_director")
        self._get(f"/my/loyalty/{self.card_cashback.id}/wallet/apple", 404)
