from odoo import fields, models


class LoyaltyB2bCard(models.Model):
    _inherit = "loyalty.b2b.card"

    # Names beside the ids, so that a webhook payload reads on its own.
    partner_name = fields.Char(string="Customer Name", related="partner_id.name")
    program_name = fields.Char(string="Program Name", related="program_id.name")
    tier_name = fields.Char(string="Tier Name", related="tier_id.name")
