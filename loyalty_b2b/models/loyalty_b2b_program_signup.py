from odoo import api, fields, models

SIGNUP_ROUTE = "/loyalty/join"


class LoyaltyB2bProgram(models.Model):
    """Online sign-up of a program: the public page companies apply on, its
    terms, who reviews the applications, and the applications themselves."""

    _inherit = "loyalty.b2b.program"

    signup_terms = fields.Html(
        string="Sign-up Terms",
        translate=True,
        sanitize=True,
        help="Terms of the program an applicant accepts on the sign-up page.",
    )
    signup_user_id = fields.Many2one(
        "res.users",
        string="Sign-up Responsible",
        default=lambda self: self.env.user,
        check_company=True,
        domain="[('share', '=', False)]",
        help="Reviews the applications of companies that have no salesperson yet.",
    )
    signup_url = fields.Char(
        string="Sign-up Page",
        compute="_compute_signup_url",
        help="Public page where companies apply for a card of this program.",
    )
    application_ids = fields.One2many(
        "loyalty.b2b.application", "program_id", string="Applications"
    )
    application_count = fields.Integer(compute="_compute_application_count")

    def _compute_signup_url(self):
        for program in self:
            program.signup_url = (
                program._get_signup_url()
                if program.id and program.enrolment == "signup"
                else False
            )

    def _compute_application_count(self):
        counts = dict(
            self.env["loyalty.b2b.application"]._read_group(
                [("program_id", "in", self.ids)], ["program_id"], ["__count"]
            )
        )
        for program in self:
            program.application_count = counts.get(program, 0)

    def _get_signup_url(self):
        """Absolute address of the program's public sign-up page."""
        self.ensure_one()
        return f"{self.get_base_url()}{SIGNUP_ROUTE}/{self.id}"

    def _is_signup_open(self, date=None):
        """The program takes applications: an online sign-up program, active
        and running on ``date`` (today) or later."""
        self.ensure_one()
        date = date or fields.Date.context_today(self)
        return (
            self.enrolment == "signup"
            and self.active
            and not (self.date_to and self.date_to < date)
        )

    @api.model
    def _get_signup_program(self, program_id):
        """The program ``program_id`` (sudo) when it takes applications,
        else an empty recordset: the public page shows nothing else."""
        # sudo: the visitor reads no programs; only an open sign-up program is
        # returned, whatever the id asked for.
        program = self.sudo().with_context(active_test=False).browse(program_id)
        if not program.exists() or not program._is_signup_open():
            return self.sudo().browse()
        return program

    def action_view_applications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_application_action"
        )
        action["domain"] = [("program_id", "=", self.id)]
        action["context"] = {"default_program_id": self.id}
        return action
