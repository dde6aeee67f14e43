import base64
import json

from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    pkcs12,
)

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user, tagged

from .test_wallet_common import WalletCommon, b64, make_certificate, make_key, pem


@tagged("post_install", "-at_install")
class TestWalletSettings(WalletCommon):
    """What an administrator uploads is checked when it is entered, with a
    message saying what is wrong; the secrets are for system administrators;
    the portal offers the wallets a company configured."""

    def _assert_refused(self, values, message):
        # assertRaises (not its Regex form): Odoo's rolls back to a savepoint.
        with self.assertRaises(ValidationError) as catcher:
            self.company.write(values)
        self.assertIn(message, str(catcher.exception))

    def test_apple_files_are_checked(self):
        self._assert_refused(
            {"b2b_apple_certificate": b64(b"not a certificate")}, "cannot be opened"
        )
        self._assert_refused(
            {"b2b_apple_private_key": b64(pem(make_key()))},
            "does not belong to the pass certificate",
        )
        self._assert_refused(
            {"b2b_apple_private_key": b64(b"-----BEGIN PRIVATE KEY-----\nxx")},
            "private key of the pass certificate cannot be read",
        )
        expired = make_certificate(
            "Old pass", self.pass_key, "Test WWDR", self.wwdr_key, days=(-400, -30)
        )
        self._assert_refused(
            {"b2b_apple_certificate": b64(pem(expired))},
            "The pass certificate expired on",
        )
        self._assert_refused(
            {"b2b_apple_wwdr_certificate": b64(b"-----BEGIN CERTIFICATE-----\nxx")},
            "The WWDR certificate cannot be read",
        )
        self._assert_refused(
            {"b2b_apple_private_key": False},
            "has no private key",
        )

    def test_p12_with_password(self):
        p12 = pkcs12.serialize_key_and_certificates(
            b"pass",
            self.pass_key,
            self.pass_cert,
            None,
            BestAvailableEncryption(b"s3cret"),
        )
        self._assert_refused(
            {
                "b2b_apple_certificate": b64(p12),
                "b2b_apple_private_key": False,
                "b2b_apple_certificate_password": "wrong",
            },
            "cannot be opened with this password",
        )
        self.company.write(
            {
                "b2b_apple_certificate": b64(p12),
                "b2b_apple_private_key": False,
                "b2b_apple_certificate_password": "s3cret",
            }
        )
        self.assertTrue(self.company.b2b_has_apple_wallet)
        self.assertIn(b"signature", self.card_cashback._get_apple_pass())

    def test_google_key_is_checked(self):
        field = "b2b_google_service_account_key"
        self._assert_refused({field: b64(b"{not json")}, "is not a valid JSON file")
        self._assert_refused(
            {field: b64(json.dumps({"client_email": "a@b.c"}).encode())},
            "lacks private_key",
        )
        self._assert_refused(
            {field: b64(json.dumps({"private_key": "x"}).encode())},
            "lacks client_email",
        )
        self._assert_refused(
            {field: b64(b'{"client_email": "a", "private_key": "x"}')},
            "private key in the service account key cannot be read",
        )

    def test_settings_save_new_certificate_and_key_together(self):
        key = make_key()
        certificate = make_certificate("New pass", key, "Test WWDR", self.wwdr_key)
        settings = Form(self.env["res.config.settings"])
        settings.b2b_apple_certificate = base64.b64encode(pem(certificate)).decode()
        settings.b2b_apple_private_key = base64.b64encode(pem(key)).decode()
        settings.b2b_wallet_send_updates = True
        settings.save()
        company = self.company.with_context(bin_size=False)
        self.assertEqual(
            base64.b64decode(company.b2b_apple_certificate), pem(certificate)
        )
        self.assertTrue(company.b2b_wallet_send_updates)

    def test_secrets_are_for_system_administrators(self):
        self.assertEqual(
            self.env["res.company"]._fields["b2b_apple_private_key"].groups,
            "base.group_system",
        )
        self.assertEqual(
            self.env["loyalty.b2b.card"]._fields["wallet_auth_token"].groups,
            "base.group_system",
        )
        salesperson = new_test_user(
            self.env,
            login="sam_sales",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        fields = self.env["res.company"].with_user(salesperson).fields_get()
        self.assertNotIn("b2b_apple_private_key", fields)
        self.assertIn("b2b_has_apple_wallet", fields)
        # What the salesperson may do: send the pass, signed with the secrets.
        card = self.card_cashback.with_user(salesperson)
        self.assertTrue(card.has_apple_wallet)
        self.assertEqual(
            card.action_send_apple_pass()["res_model"], "mail.compose.message"
        )

    def test_portal_buttons_only_when_configured(self):
        url = f"/my/loyalty/{self.card_cashback.id}"
        self.authenticate("b2b_accountant", "b2b_accountant")
        page = self._page(url)
        apple = page.xpath("//a[hasclass('o_b2b_apple_wallet')]/@href")
        google = page.xpath("//a[hasclass('o_b2b_google_wallet')]/@href")
        self.assertEqual(apple, [f"{url}/wallet/apple?"])
        self.assertEqual(google, [f"{url}/wallet/google?"])
        # The procurement manager's buttons give its benefits pass; none for
        # the roles that see neither money nor benefits.
        self.authenticate("b2b_buyer", "b2b_buyer")
        page = self._page(url)
        [apple] = page.xpath("//a[hasclass('o_b2b_apple_wallet')]/@href")
        self.assertEqual(apple, f"{url}/wallet/apple?")
        self._get(apple)
        self.assertTrue(page.xpath("//a[hasclass('o_b2b_google_wallet')]"))
        self.authenticate("b2b_clerk", "b2b_clerk")
        page = self._page(url)
        self.assertFalse(page.xpath("//a[hasclass('o_b2b_apple_wallet')]"))
        # The tokenised link signed for a decision maker keeps its token and
        # signature on the buttons.
        self.authenticate(None, None)
        share_url = self.card_cashback._get_share_url(pid=self.director.id)
        page = self._page(share_url)
        href = page.xpath("//a[hasclass('o_b2b_apple_wallet')]/@href")[0]
        self.assertIn("access_token=", href)
        self._get(href)
        self._unconfigure_wallets()
        self.authenticate("b2b_director", "b2b_director")
        page = self._page(url)
        self.assertFalse(page.xpath("//a[hasclass('o_b2b_apple_wallet')]"))
        self.assertFalse(page.xpath("//a[hasclass('o_b2b_google_wallet')]"))
        self.assertTrue(page.xpath("//a[hasclass('o_b2b_print_card')]"))
