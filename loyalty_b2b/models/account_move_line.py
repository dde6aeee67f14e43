from odoo import fields, models

from .sale_order_line import B2B_REWARD_KINDS


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    b2b_reward_kind = fields.Selection(
        B2B_REWARD_KINDS,
        string="Loyalty Reward",
        index="btree_not_null",
        help="Copied from the sales order line: redemption and reward lines "
        "never earn cashback.",
    )
