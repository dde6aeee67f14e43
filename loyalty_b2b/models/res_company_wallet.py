import base64

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from . import wallet_crypto

# Fields checked together when any of them changes (see res.config.settings).
APPLE_SIGNING_FIELDS = (
    "b2b_apple_certificate",
    "b2b_apple_private_key",
    "b2b_apple_certificate_password",
)
APPLE_IDENTITY_FIELDS = (
    "b2b_apple_pass_type_identifier",
    "b2b_apple_team_identifier",
)


class ResCompany(models.Model):
    """Where the company's wallet passes come from: its Apple Pass Type ID
    certificate and its Google Wallet issuer account. The secrets are read by
    system administrators only; the passes are signed with sudo."""

    _inherit = "res.company"

    b2b_apple_pass_type_identifier = fields.Char(
        string="Pass Type ID",
        help='The Pass Type ID registered with Apple, e.g. "pass.com.example.loyalty".',
    )
    b2b_apple_team_identifier = fields.Char(
        string="Team ID", help="The Team ID of the Apple developer account."
    )
    b2b_apple_organization_name = fields.Char(
        string="Organisation Name",
        help="Shown by Apple Wallet on the lock screen and in notifications; the "
        "company name when empty.",
    )
    b2b_apple_certificate = fields.Binary(
        string="Pass Certificate",
        attachment=True,
        groups="base.group_system",
        help="The Pass Type ID certificate: PEM, Apple's .cer, or a .p12 holding "
        "the certificate and its private key.",
    )
    b2b_apple_certificate_filename = fields.Char(groups="base.group_system")
    b2b_apple_private_key = fields.Binary(
        string="Pass Certificate Key",
        attachment=True,
        groups="base.group_system",
        help="The private key of the pass certificate (PEM); not needed with a .p12.",
    )
    b2b_apple_private_key_filename = fields.Char(groups="base.group_system")
    b2b_apple_certificate_password = fields.Char(
        string="Certificate Password",
        groups="base.group_system",
        help="Password of the .p12 file or of the encrypted private key.",
    )
    b2b_apple_wwdr_certificate = fields.Binary(
        string="WWDR Certificate",
        attachment=True,
        groups="base.group_system",
        help="Apple's Worldwide Developer Relations intermediate certificate "
        "that issued the pass certificate (PEM or .cer).",
    )
    b2b_apple_wwdr_certificate_filename = fields.Char(groups="base.group_system")
    b2b_google_issuer_identifier = fields.Char(
        string="Issuer ID", help="The issuer ID of the Google Wallet business account."
    )
    b2b_google_service_account_key = fields.Binary(
        string="Service Account Key",
        attachment=True,
        groups="base.group_system",
        help="The JSON key of the Google Cloud service account allowed to issue "
        "passes for the issuer account.",
    )
    b2b_google_service_account_key_filename = fields.Char(groups="base.group_system")
    b2b_wallet_send_updates = fields.Boolean(
        string="Send Wallet Updates",
        help="Tell the phones holding a pass when it changes. Needs an update "
        "sender installed (see the add-on's configuration guide); off, passes "
        "are updated when their holder refreshes them.",
    )
    b2b_has_apple_wallet = fields.Boolean(
        string="Apple Wallet Configured",
        compute="_compute_b2b_has_wallet",
        compute_sudo=True,
    )
    b2b_has_google_wallet = fields.Boolean(
        string="Google Wallet Configured",
        compute="_compute_b2b_has_wallet",
        compute_sudo=True,
    )

    @api.depends(
        "b2b_apple_pass_type_identifier",
        "b2b_apple_team_identifier",
        "b2b_apple_certificate",
        "b2b_apple_wwdr_certificate",
        "b2b_google_issuer_identifier",
        "b2b_google_service_account_key",
    )
    def _compute_b2b_has_wallet(self):
        for company in self.with_context(bin_size=True):
            company.b2b_has_apple_wallet = bool(
                company.b2b_apple_pass_type_identifier
                and company.b2b_apple_team_identifier
                and company.b2b_apple_certificate
                and company.b2b_apple_wwdr_certificate
            )
            company.b2b_has_google_wallet = bool(
                company.b2b_google_issuer_identifier
                and company.b2b_google_service_account_key
            )

    @api.constrains(*APPLE_SIGNING_FIELDS, "b2b_apple_wwdr_certificate")
    def _check_b2b_apple_wallet(self):
        for company in self.sudo().with_context(bin_size=False):
            certificate = company._b2b_decode("b2b_apple_certificate")
            key = company._b2b_decode("b2b_apple_private_key")
            if certificate or key:
                if not certificate:
                    raise ValidationError(
                        self.env._(
                            "Upload the pass certificate that goes with the "
                            "private key."
                        )
                    )
                company._b2b_check_wallet_file(
                    self.env._("pass certificate"),
                    wallet_crypto.load_signing_identity,
                    certificate,
                    key,
                    company.b2b_apple_certificate_password,
                )
            wwdr = company._b2b_decode("b2b_apple_wwdr_certificate")
            if wwdr:
                company._b2b_check_wallet_file(
                    self.env._("WWDR certificate"), self._b2b_load_wwdr, wwdr
                )

    @api.constrains("b2b_google_service_account_key")
    def _check_b2b_google_wallet(self):
        for company in self.sudo().with_context(bin_size=False):
            key = company._b2b_decode("b2b_google_service_account_key")
            if key:
                company._b2b_check_wallet_file(
                    self.env._("service account key"),
                    wallet_crypto.load_service_account,
                    key,
                )

    def _b2b_decode(self, fname):
        """The bytes of the uploaded file ``fname``, or b"" (sudo expected)."""
        self.ensure_one()
        value = self[fname]
        return base64.b64decode(value) if value else b""

    @api.model
    def _b2b_load_wwdr(self, data):
        certificate = wallet_crypto.load_certificate(data)
        wallet_crypto.check_validity(certificate)
        return certificate

    def _b2b_check_wallet_file(self, label, loader, *args):
        """``loader(*args)`` (a ``wallet_crypto`` function), a signing
        certificate also checked for its dates; its ValidationError in the
        user's language otherwise."""
        try:
            result = loader(*args)
            if loader is wallet_crypto.load_signing_identity:
                wallet_crypto.check_validity(result[0])
        except wallet_crypto.WalletCryptoError as error:
            raise ValidationError(
                self._b2b_get_wallet_error_message(label, error)
            ) from error
        return result

    def _b2b_get_wallet_error_message(self, label, error):
        """Hook: what the administrator reads when ``label`` (the file it
        uploaded) cannot be used, by ``error.code``."""
        _ = self.env._
        messages = {
            "certificate_unreadable": _(
                "The %(file)s cannot be read: upload a certificate in PEM or DER "
                "(.cer) form, or a .p12 file.",
                file=label,
            ),
            "key_missing": _(
                "The %(file)s has no private key: upload the key too, or a .p12 "
                "holding both.",
                file=label,
            ),
            "key_unreadable": _(
                "The private key of the %(file)s cannot be read: upload it in PEM "
                "form.",
                file=label,
            ),
            "key_password": _(
                "The private key of the %(file)s is encrypted: enter its password "
                "(or it is not encrypted: leave the password empty).",
                file=label,
            ),
            "key_mismatch": _(
                "The private key does not belong to the %(file)s: upload the key "
                "the certificate was requested with.",
                file=label,
            ),
            "certificate_expired": _(
                "The %(file)s expired on %(date)s: renew it in the Apple developer "
                "account and upload the new one.",
                file=label,
                date=error.params.get("date"),
            ),
            "certificate_not_yet_valid": _(
                "The %(file)s is only valid from %(date)s.",
                file=label,
                date=error.params.get("date"),
            ),
            "p12_password": _(
                "The .p12 file cannot be opened with this password (or it is not a "
                ".p12 file): check the password it was exported with.",
            ),
            "json_malformed": _(
                "The %(file)s is not a valid JSON file: upload the key file "
                "downloaded from Google Cloud as it is.",
                file=label,
            ),
            "json_missing": _(
                "The %(file)s lacks %(keys)s: download a new JSON key of the "
                "service account from Google Cloud.",
                file=label,
                keys=error.params.get("keys"),
            ),
            "json_key_unreadable": _(
                "The private key in the %(file)s cannot be read: it must be the "
                "RSA key Google Cloud generated.",
                file=label,
            ),
        }
        return messages.get(error.code) or _("The %(file)s cannot be used.", file=label)

    def _b2b_get_apple_signing_material(self):
        """``(pass certificate, private key, WWDR certificate)`` of the company,
        read with sudo for signing passes: the secrets never leave the
        server."""
        self.ensure_one()
        company = self.sudo().with_context(bin_size=False)
        certificate, key = wallet_crypto.load_signing_identity(
            company._b2b_decode("b2b_apple_certificate"),
            company._b2b_decode("b2b_apple_private_key"),
            company.b2b_apple_certificate_password,
            # Checked when uploaded (_check_b2b_apple_wallet).
            checked=True,
        )
        wwdr = wallet_crypto.load_certificate(
            company._b2b_decode("b2b_apple_wwdr_certificate")
        )
        return certificate, key, wwdr

    def _b2b_get_google_signing_material(self):
        """``(client email, private key)`` of the company's service account."""
        self.ensure_one()
        company = self.sudo().with_context(bin_size=False)
        return wallet_crypto.load_service_account(
            company._b2b_decode("b2b_google_service_account_key")
        )

    def _b2b_write_wallet_settings(self, vals):
        """Write the wallet settings of ``vals`` that differ from the
        company's, in one write (their constraints see them together)."""
        self.ensure_one()
        company = self.with_context(bin_size=False)
        changed = {
            fname: value
            for fname, value in vals.items()
            if company._fields[fname].convert_to_record(
                company._fields[fname].convert_to_cache(value, company), company
            )
            != company[fname]
        }
        if changed:
            self.write(changed)
