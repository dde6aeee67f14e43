from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare

from .number_checks import check_finite_values


class LoyaltyB2bTier(models.Model):
    _name = "loyalty.b2b.tier"
    _description = "B2B Loyalty Tier"
    _order = "program_id, min_amount, sequence, id"

    program_id = fields.Many2one(
        "loyalty.b2b.program", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    company_id = fields.Many2one(related="program_id.company_id", store=True)
    currency_id = fields.Many2one(related="program_id.currency_id")
    min_amount = fields.Monetary(
        string="Spend Threshold",
        help="Company spend over the program's window from which this tier applies.",
    )
    discount_percent = fields.Float(string="Discount (%)", digits="Discount")
    cashback_percent = fields.Float(string="Cashback (%)", digits="Discount")

    _sql_constraints = [
        (
            "min_amount_program_uniq",
            "unique(program_id, min_amount)",
            "Two tiers of a program cannot have the same spend threshold.",
        ),
    ]

    @api.constrains("min_amount", "discount_percent", "cashback_percent")
    def _check_values(self):
        for tier in self:
            if tier.currency_id.compare_amounts(tier.min_amount, 0.0) < 0:
                raise ValidationError(
                    self.env._(
                        "The spend threshold of tier %(tier)s cannot be negative.",
                        tier=tier.name,
                    )
                )
            for percent in (tier.discount_percent, tier.cashback_percent):
                if not 0 <= percent <= 100:
                    raise ValidationError(
                        self.env._(
                            "The percentages of tier %(tier)s must be between 0 "
                            "and 100%%.",
                            tier=tier.name,
                        )
                    )

    @api.constrains("program_id", "min_amount", "discount_percent", "cashback_percent")
    def _check_monotonic(self):
        # A company that spends more must never get less.
        for program in self.program_id:
            previous = None
            for tier in program.tier_ids.sorted("min_amount"):
                if previous and (
                    float_compare(tier.discount_percent, previous.discount_percent, 6)
                    < 0
                    or float_compare(
                        tier.cashback_percent, previous.cashback_percent, 6
                    )
                    < 0
                ):
                    raise ValidationError(
                        self.env._(
                            "Tier %(tier)s needs more spend than tier %(lower)s but "
                            "gives a lower discount or cashback.",
                            tier=tier.name,
                            lower=previous.name,
                        )
                    )
                previous = tier

    @api.model_create_multi
    def create(self, vals_list):
        check_finite_values(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_finite_values(self, [vals])
        return super().write(vals)
