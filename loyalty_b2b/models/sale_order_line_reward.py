from odoo import fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    b2b_reward_request_id = fields.Many2one(
        "loyalty.b2b.reward.request",
        string="Reward Request",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The catalogue reward request this line delivers, or whose voucher "
        "it uses.",
    )
