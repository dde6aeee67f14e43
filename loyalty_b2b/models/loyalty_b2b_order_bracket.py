from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .number_checks import check_finite_values


class LoyaltyB2bOrderBracket(models.Model):
    """A step of a discount program whose percentage follows the size of the
    order: from ``min_amount`` of eligible products (untaxed, before the card's
    discount, in the program company's currency), the order's lines get
    ``discount_percent``."""

    _name = "loyalty.b2b.order.bracket"
    _description = "B2B Loyalty Order-Size Bracket"
    _order = "program_id, min_amount, id"

    program_id = fields.Many2one(
        "loyalty.b2b.program", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="program_id.company_id", store=True)
    currency_id = fields.Many2one(related="program_id.currency_id")
    min_amount = fields.Monetary(
        string="From Order Amount",
        required=True,
        help="Untaxed amount of the order's eligible products, before the "
        "card's discount, in the program company's currency, from which this "
        "percentage applies.",
    )
    discount_percent = fields.Float(
        string="Discount (%)", digits="Discount", required=True
    )

    @api.constrains("program_id", "min_amount", "discount_percent")
    def _check_values(self):
        for bracket in self:
            program = bracket.program_id
            if program.program_type != "discount":
                raise ValidationError(
                    self.env._(
                        "Only discount programs give a discount by order size: "
                        "program %(program)s is not one. Remove its order-size "
                        "brackets or make it a discount card.",
                        program=program.name,
                    )
                )
            if bracket.currency_id.compare_amounts(bracket.min_amount, 0.0) <= 0:
                raise ValidationError(
                    self.env._(
                        "The order amounts of the brackets of program %(program)s "
                        "must be above zero: below the first bracket, the "
                        "program's own discount applies.",
                        program=program.name,
                    )
                )
            if not 0 < bracket.discount_percent <= 100:
                raise ValidationError(
                    self.env._(
                        "The discounts of the brackets of program %(program)s "
                        "must be above 0 and at most 100%%.",
                        program=program.name,
                    )
                )
        # The brackets of a program together (unique amounts, a larger order
        # never less): in Python rather than by a unique index, for a clear
        # message and amounts compared at the currency's rounding.
        for program in self.program_id:
            program._check_order_brackets()

    @api.model_create_multi
    def create(self, vals_list):
        check_finite_values(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_finite_values(self, [vals])
        return super().write(vals)
