from odoo import fields, models


class LoyaltyB2bTransaction(models.Model):
    _inherit = "loyalty.b2b.transaction"

    # Names beside the ids, so that a webhook payload reads on its own (a
    # payload carries many2one fields as bare ids).
    card_number = fields.Char(string="Card Number", related="card_id.name")
    partner_name = fields.Char(string="Customer Name", related="partner_id.name")
    currency_name = fields.Char(string="Currency Code", related="currency_id.name")
