from odoo import fields, models


class LoyaltyB2bWalletRegistration(models.Model):
    """A phone or watch holding one of a card's Apple Wallet passes (the full
    pass or the benefits pass, see ``level``), registered through the PassKit
    web service to hear of its updates."""

    _name = "loyalty.b2b.wallet.registration"
    _description = "B2B Loyalty Wallet Pass Registration"
    _order = "card_id, id"

    card_id = fields.Many2one(
        "loyalty.b2b.card", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="card_id.company_id", store=True)
    level = fields.Selection(
        [("full", "Full"), ("benefits", "Benefits")],
        string="Pass Level",
        required=True,
        default="full",
    )
    device_library_identifier = fields.Char(string="Device", required=True, index=True)
    pass_type_identifier = fields.Char(string="Pass Type ID", required=True)
    push_token = fields.Char(required=True)

    _sql_constraints = [
        (
            "device_card_uniq",
            "unique(device_library_identifier, pass_type_identifier, card_id, level)",
            "A device registers a card's pass once.",
        ),
    ]
