from odoo import fields, models


class LoyaltyB2bApplicationRejectWizard(models.TransientModel):
    """Reject an application, with the reason told to the applicant."""

    _name = "loyalty.b2b.application.reject.wizard"
    _description = "Reject a B2B Loyalty Application"

    application_id = fields.Many2one(
        "loyalty.b2b.application", required=True, readonly=True
    )
    reason = fields.Text(
        required=True, help="Stored on the application and emailed to the applicant."
    )

    def action_reject(self):
        self.ensure_one()
        self.application_id._reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
