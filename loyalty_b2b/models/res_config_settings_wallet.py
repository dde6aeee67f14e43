from odoo import api, fields, models

# Settings of res.company written in one go (see create()).
WALLET_COMPANY_FIELDS = (
    "b2b_apple_pass_type_identifier",
    "b2b_apple_team_identifier",
    "b2b_apple_organization_name",
    "b2b_apple_certificate",
    "b2b_apple_certificate_filename",
    "b2b_apple_private_key",
    "b2b_apple_private_key_filename",
    "b2b_apple_certificate_password",
    "b2b_apple_wwdr_certificate",
    "b2b_apple_wwdr_certificate_filename",
    "b2b_google_issuer_identifier",
    "b2b_google_service_account_key",
    "b2b_google_service_account_key_filename",
    "b2b_wallet_send_updates",
)


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    b2b_apple_pass_type_identifier = fields.Char(
        related="company_id.b2b_apple_pass_type_identifier", readonly=False
    )
    b2b_apple_team_identifier = fields.Char(
        related="company_id.b2b_apple_team_identifier", readonly=False
    )
    b2b_apple_organization_name = fields.Char(
        related="company_id.b2b_apple_organization_name", readonly=False
    )
    b2b_apple_certificate = fields.Binary(
        related="company_id.b2b_apple_certificate",
        readonly=False,
        groups="base.group_system",
    )
    b2b_apple_certificate_filename = fields.Char(
        related="company_id.b2b_apple_certificate_filename",
        readonly=False,
        groups="base.group_system",
    )
    b2b_apple_private_key = fields.Binary(
        related="company_id.b2b_apple_private_key",
        readonly=False,
        groups="base.group_system",
    )
    b2b_apple_private_key_filename = fields.Char(
        related="company_id.b2b_apple_private_key_filename",
        readonly=False,
        groups="base.group_system",
    )
    b2b_apple_certificate_password = fields.Char(
        related="company_id.b2b_apple_certificate_password",
        readonly=False,
        groups="base.group_system",
    )
    b2b_apple_wwdr_certificate = fields.Binary(
        related="company_id.b2b_apple_wwdr_certificate",
        readonly=False,
        groups="base.group_system",
    )
    b2b_apple_wwdr_certificate_filename = fields.Char(
        related="company_id.b2b_apple_wwdr_certificate_filename",
        readonly=False,
        groups="base.group_system",
    )
    b2b_google_issuer_identifier = fields.Char(
        related="company_id.b2b_google_issuer_identifier", readonly=False
    )
    b2b_google_service_account_key = fields.Binary(
        related="company_id.b2b_google_service_account_key",
        readonly=False,
        groups="base.group_system",
    )
    b2b_google_service_account_key_filename = fields.Char(
        related="company_id.b2b_google_service_account_key_filename",
        readonly=False,
        groups="base.group_system",
    )
    b2b_wallet_send_updates = fields.Boolean(
        related="company_id.b2b_wallet_send_updates", readonly=False
    )

    @api.model_create_multi
    def create(self, vals_list):
        # A related field writes the company one field at a time, each write
        # checking the company's constraints: a new certificate would be
        # checked against the old key. The wallet settings that changed are
        # written (and checked) together instead.
        wallet_vals_list = [
            {
                fname: vals.pop(fname)
                for fname in WALLET_COMPANY_FIELDS
                if fname in vals and fname in self._fields
            }
            for vals in vals_list
        ]
        settings = super().create(vals_list)
        for record, wallet_vals in zip(settings, wallet_vals_list, strict=True):
            record.company_id._b2b_write_wallet_settings(wallet_vals)
        return settings
