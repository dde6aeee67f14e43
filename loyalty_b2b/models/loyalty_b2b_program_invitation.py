from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class LoyaltyB2bProgram(models.Model):
    """Programs whose entry method is "By invitation": how long an invitation
    stays open, and the invitations sent."""

    _inherit = "loyalty.b2b.program"

    invitation_validity_days = fields.Integer(
        string="Invitation Validity (days)",
        default=30,
        help="Days an emailed invitation to the program may be accepted.",
    )
    invitation_ids = fields.One2many(
        "loyalty.b2b.invitation", "program_id", string="Invitations"
    )
    invitation_count = fields.Integer(compute="_compute_invitation_count")

    def _compute_invitation_count(self):
        counts = dict(
            self.env["loyalty.b2b.invitation"]._read_group(
                [("program_id", "in", self.ids)], ["program_id"], ["__count"]
            )
        )
        for program in self:
            program.invitation_count = counts.get(program, 0)

    @api.constrains("invitation_validity_days")
    def _check_invitation_validity_days(self):
        for program in self:
            if program.invitation_validity_days < 1:
                raise ValidationError(
                    self.env._(
                        "Invitations to program %(program)s must stay valid at "
                        "least one day.",
                        program=program.name,
                    )
                )

    def action_view_invitations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_invitation_action"
        )
        action["domain"] = [("program_id", "=", self.id)]
        action["context"] = {"default_program_id": self.id}
        return action

    def action_invite_companies(self):
        """The invitation wizard, for this program."""
        self.ensure_one()
        if self.enrolment != "invitation":
            raise UserError(
                self.env._(
                    "Program %(program)s does not enrol companies by invitation.",
                    program=self.name,
                )
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_invitation_wizard_action"
        )
        action["context"] = {"default_program_id": self.id}
        return action
