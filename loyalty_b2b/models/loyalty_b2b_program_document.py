from odoo import fields, models


class LoyaltyB2bProgram(models.Model):
    """The exclusive documents of a program, on its form."""

    _inherit = "loyalty.b2b.program"

    # Archived documents stay on the form, to be restored.
    document_ids = fields.One2many(
        "loyalty.b2b.document",
        "program_id",
        string="Documents",
        # The content of information rewards is on the reward's form.
        domain=[("reward_id", "=", False)],
        context={"active_test": False},
    )
