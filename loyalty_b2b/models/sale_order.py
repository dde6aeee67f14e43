from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    b2b_commercial_partner_id = fields.Many2one(
        related="partner_id.commercial_partner_id", string="Customer Company"
    )
    b2b_card_id = fields.Many2one(
        "loyalty.b2b.card",
        string="Loyalty Card",
        check_company=True,
        domain="[('partner_id', '=', b2b_commercial_partner_id), "
        "('state', '=', 'active')]",
        copy=False,
    )
