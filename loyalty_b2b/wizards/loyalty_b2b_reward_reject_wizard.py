from odoo import fields, models


class LoyaltyB2bRewardRejectWizard(models.TransientModel):
    """Reject a reward request with the reason the contact will read."""

    _name = "loyalty.b2b.reward.reject.wizard"
    _description = "Reject a Reward Request"

    request_id = fields.Many2one(
        "loyalty.b2b.reward.request", required=True, ondelete="cascade"
    )
    reason = fields.Text(required=True)

    def action_reject(self):
        self.ensure_one()
        self.request_id.action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}
