from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare
from odoo.tools.misc import format_amount

from .bracket_rules import bracket_percent, next_bracket


class LoyaltyB2bProgram(models.Model):
    """Discount programs whose percentage follows the size of the order: the
    brackets, the percentage an order gets, and how it reads."""

    _inherit = "loyalty.b2b.program"

    discount_basis = fields.Selection(
        [("fixed", "Fixed percentage"), ("order_size", "By order size")],
        compute="_compute_discount_basis",
        store=True,
        readonly=False,
        required=True,
        precompute=True,
        tracking=True,
        help="Fixed percentage: every order gets the program's discount. By order "
        "size: the order's untaxed amount of eligible products, before the "
        "card's discount, decides the percentage from the brackets; below the "
        "first bracket the program's own discount applies (it may be 0).",
    )
    order_bracket_ids = fields.One2many(
        "loyalty.b2b.order.bracket",
        "program_id",
        string="Order-Size Brackets",
        copy=True,
    )

    @api.depends("program_type")
    def _compute_discount_basis(self):
        # Only discount cards follow the order size.
        for program in self:
            if program.program_type != "discount" or not program.discount_basis:
                program.discount_basis = "fixed"
            else:
                program.discount_basis = program.discount_basis

    @api.depends(
        "discount_basis",
        "order_bracket_ids.min_amount",
        "order_bracket_ids.discount_percent",
    )
    def _compute_benefit_summary(self):
        return super()._compute_benefit_summary()

    @api.constrains(
        "program_type", "discount_basis", "discount_percent", "order_bracket_ids"
    )
    def _check_discount_basis(self):
        for program in self:
            if program.order_bracket_ids and program.program_type != "discount":
                raise ValidationError(
                    self.env._(
                        "Only discount programs give a discount by order size: "
                        "program %(program)s is not one. Remove its order-size "
                        "brackets or make it a discount card.",
                        program=program.name,
                    )
                )
            if program.discount_basis == "order_size" and not program.order_bracket_ids:
                raise ValidationError(
                    self.env._(
                        "Program %(program)s gives its discount by order size: "
                        "add at least one bracket (from which order amount, "
                        "which percentage).",
                        program=program.name,
                    )
                )
            program._check_order_brackets()

    def _check_order_brackets(self):
        """Each bracket of the program starts at an order amount of its own, and
        a larger order never gets a lower discount than a smaller one (nor than
        the program's own discount, which applies below the first bracket)."""
        self.ensure_one()
        currency = self.currency_id
        digits = self.env["decimal.precision"].precision_get("Discount")
        previous_amount, previous_percent = None, self.discount_percent
        for bracket in self.order_bracket_ids.sorted("min_amount"):
            if previous_amount is not None and not currency.compare_amounts(
                bracket.min_amount, previous_amount
            ):
                raise ValidationError(
                    self.env._(
                        "Two brackets of program %(program)s start at the same "
                        "order amount, %(amount)s.",
                        program=self.name,
                        amount=format_amount(self.env, bracket.min_amount, currency),
                    )
                )
            if (
                float_compare(
                    bracket.discount_percent, previous_percent, precision_digits=digits
                )
                < 0
            ):
                raise ValidationError(
                    self.env._(
                        "The bracket of program %(program)s from %(amount)s gives "
                        "less than smaller orders get: a larger order must never "
                        "get a lower discount.",
                        program=self.name,
                        amount=format_amount(self.env, bracket.min_amount, currency),
                    )
                )
            previous_amount = bracket.min_amount
            previous_percent = bracket.discount_percent

    def _has_order_brackets(self):
        """The program's discount follows the size of the order."""
        self.ensure_one()
        return (
            self.program_type == "discount"
            and self.discount_basis == "order_size"
            and bool(self.order_bracket_ids)
        )

    def _get_order_brackets(self):
        """Hook: ``[(min_amount, percent)]`` of the program's brackets, by
        amount, in the program company's currency."""
        self.ensure_one()
        return [
            (bracket.min_amount, bracket.discount_percent)
            for bracket in self.order_bracket_ids.sorted("min_amount")
        ]

    def _get_order_size_discount_percent(self, amount):
        """The discount of an order of ``amount`` of eligible products (in the
        program company's currency): its bracket's, or the program's own below
        the first bracket. An order of exactly a bracket's amount reaches it."""
        self.ensure_one()
        if not self._has_order_brackets():
            return self.discount_percent
        return bracket_percent(
            self._get_order_brackets(),
            amount,
            self.currency_id.compare_amounts,
            self.discount_percent,
        )

    def _get_next_order_bracket(self, amount):
        """``(min_amount, percent, missing)`` of the bracket above an order of
        ``amount`` (program company's currency), or None at the top bracket."""
        self.ensure_one()
        if not self._has_order_brackets():
            return None
        brackets = self._get_order_brackets()
        index, missing = next_bracket(
            brackets, amount, self.currency_id.compare_amounts
        )
        if index is None:
            return None
        min_amount, percent = brackets[index]
        return min_amount, percent, self.currency_id.round(missing)

    def _get_order_bracket_label(self):
        """ "3 % from $ 10,000.00, 5 % from $ 50,000.00", led by the program's
        own discount when it gives one ("2 %, 3 % from ...")."""
        self.ensure_one()
        digits = self.env["decimal.precision"].precision_get("Discount")
        parts = []
        if float_compare(self.discount_percent, 0.0, precision_digits=digits) > 0:
            parts.append(self._format_percent(self.discount_percent))
        parts += [
            self.env._(
                "%(percent)s %% from %(amount)s",
                percent=self._format_percent_number(percent),
                amount=format_amount(self.env, min_amount, self.currency_id),
            )
            for min_amount, percent in self._get_order_brackets()
        ]
        return ", ".join(parts)

    def _get_benefit_summary(self):
        if self._has_order_brackets():
            return self._get_order_bracket_label()
        return super()._get_benefit_summary()
