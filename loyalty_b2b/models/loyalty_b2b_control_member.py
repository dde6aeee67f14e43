from odoo import api, fields, models
from odoo.exceptions import UserError


class LoyaltyB2bControlMember(models.Model):
    """A company of a pilot's control group: eligible, matched to the pilot by
    past spend, and kept out of the program during the pilot (see
    loyalty_b2b_program_pilot.py)."""

    _name = "loyalty.b2b.control.member"
    _description = "B2B Loyalty Pilot Control Group Member"
    _order = "program_id, decile, spend_amount desc, id"
    _check_company_auto = True

    program_id = fields.Many2one(
        "loyalty.b2b.program", required=True, index=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        check_company=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one(
        related="program_id.company_id", store=True, index=True, precompute=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    decile = fields.Integer(
        string="Spend Decile",
        readonly=True,
        help="0: no spend in the window; 1 (lowest) to 10 (highest): the spend "
        "decile of the company among the program's eligible companies at the "
        "draw.",
    )
    spend_amount = fields.Monetary(
        string="Spend at Draw",
        readonly=True,
        help="Untaxed posted customer invoices minus credit notes of the "
        "company in the program's spend window ending at the draw date.",
    )

    _sql_constraints = [
        (
            "program_partner_uniq",
            "unique(program_id, partner_id)",
            "A company is drawn at most once into a program's control group.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        programs = self.env["loyalty.b2b.program"].browse(
            [vals["program_id"] for vals in vals_list if vals.get("program_id")]
        )
        programs._check_control_group_editable()
        return super().create(vals_list)

    def write(self, vals):
        self.program_id._check_control_group_editable()
        if "program_id" in vals:
            self.env["loyalty.b2b.program"].browse(
                vals["program_id"]
            )._check_control_group_editable()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_rolled_out(self):
        rolled_out = self.program_id.filtered(
            lambda program: program.pilot_state == "rolled_out"
        )
        if rolled_out:
            raise UserError(
                self.env._(
                    "Program %(program)s was rolled out: its control group is "
                    "kept for the comparison and can no longer change.",
                    program=rolled_out[0].display_name,
                )
            )
