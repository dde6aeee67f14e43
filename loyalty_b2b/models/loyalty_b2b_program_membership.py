from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class LoyaltyB2bProgram(models.Model):
    """Paid membership: the fee that starts and renews the cards of a program
    whose entry method is "Paid membership"."""

    _inherit = "loyalty.b2b.program"

    membership_product_id = fields.Many2one(
        "product.product",
        string="Membership Fee",
        check_company=True,
        domain="[('type', '=', 'service'), ('sale_ok', '=', True)]",
        help="Service invoiced for each membership period, at its sales price "
        "in the program's company, with its taxes. A change applies to the next "
        "fee documents.",
    )
    membership_period_months = fields.Integer(
        string="Membership Period (months)",
        default=12,
        help="Months a paid fee keeps the card active.",
    )
    membership_grace_days = fields.Integer(
        string="Grace Period (days)",
        default=15,
        help="Days after the end of a period during which the card stays active "
        "while its renewal is unpaid.",
    )
    membership_fee_document = fields.Selection(
        [("invoice", "Invoice"), ("order", "Sales order")],
        string="Fee Charged By",
        default="invoice",
        required=True,
        help="Invoice: a posted customer invoice. Sales order: a confirmed "
        "order, whose invoice (created as usual) starts the card when paid.",
    )
    membership_renewal_days = fields.Integer(
        string="Renewal Lead Time (days)",
        default=30,
        help="The renewal of a card is invoiced (and emailed to its company) "
        "this many days before its membership ends.",
    )

    @api.constrains(
        "enrolment",
        "membership_product_id",
        "membership_period_months",
        "membership_grace_days",
        "membership_renewal_days",
    )
    def _check_membership(self):
        for program in self:
            if program.membership_period_months <= 0:
                raise ValidationError(
                    self.env._(
                        "The membership period of program %(program)s must be at "
                        "least one month.",
                        program=program.name,
                    )
                )
            if program.membership_grace_days < 0 or program.membership_renewal_days < 0:
                raise ValidationError(
                    self.env._(
                        "The grace period and the renewal lead time of program "
                        "%(program)s cannot be negative.",
                        program=program.name,
                    )
                )
            if program.enrolment != "paid":
                continue
            product = program.membership_product_id
            if not product:
                raise ValidationError(
                    self.env._(
                        "Program %(program)s is a paid membership: choose the "
                        "service product of its membership fee.",
                        program=program.name,
                    )
                )
            if product.type != "service":
                raise ValidationError(
                    self.env._(
                        "The membership fee of program %(program)s must be a "
                        "service, not %(product)s.",
                        program=program.name,
                        product=product.display_name,
                    )
                )

    def write(self, vals):
        if "enrolment" in vals and vals["enrolment"] != "paid":
            self.filtered(
                lambda program: program.enrolment == "paid"
            )._check_no_membership_fees()
        return super().write(vals)

    def _check_no_membership_fees(self):
        """Refuse to end the paid membership of programs whose cards were
        charged a fee: money moved, the fee documents stay with the cards."""
        if not self:
            return
        # sudo: every fee counts, whoever edits the program.
        charged = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("b2b_membership_card_id.program_id", "in", self.ids),
                    ("state", "!=", "cancel"),
                ],
                ["b2b_membership_card_id"],
            )
        )
        charged += (
            self.env["sale.order"]
            .sudo()
            ._read_group(
                [
                    ("b2b_membership_card_id.program_id", "in", self.ids),
                    ("state", "!=", "cancel"),
                ],
                ["b2b_membership_card_id"],
            )
        )
        if charged:
            program = charged[0][0].program_id.sudo(False)
            raise UserError(
                self.env._(
                    "Membership fees were already charged to cards of program "
                    "%(program)s: it stays a paid membership. Archive it and "
                    "create a program with another entry method instead.",
                    program=program.display_name,
                )
            )
