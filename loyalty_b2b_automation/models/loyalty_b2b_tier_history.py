from odoo import fields, models


class LoyaltyB2bTierHistory(models.Model):
    _inherit = "loyalty.b2b.tier.history"

    # Names beside the ids, so that a webhook payload reads on its own.
    card_number = fields.Char(string="Card Number", related="card_id.name")
    partner_name = fields.Char(string="Customer Name", related="partner_id.name")
    currency_name = fields.Char(string="Currency Code", related="currency_id.name")
    old_tier_name = fields.Char(string="Previous Tier Name", related="old_tier_id.name")
    new_tier_name = fields.Char(string="New Tier Name", related="new_tier_id.name")
