from odoo import fields, models


class LoyaltyB2bRewardRequest(models.Model):
    _inherit = "loyalty.b2b.reward.request"

    # Names beside the ids, so that a webhook payload reads on its own.
    card_number = fields.Char(string="Card Number", related="card_id.name")
    partner_name = fields.Char(string="Customer Name", related="partner_id.name")
    currency_name = fields.Char(string="Currency Code", related="currency_id.name")
    reward_name = fields.Char(string="Reward Name", related="reward_id.name")
