from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    b2b_loyalty_journal_id = fields.Many2one(
        related="company_id.b2b_loyalty_journal_id", readonly=False
    )
    b2b_rebate_account_id = fields.Many2one(
        related="company_id.b2b_rebate_account_id", readonly=False
    )
    b2b_liability_account_id = fields.Many2one(
        related="company_id.b2b_liability_account_id", readonly=False
    )
    b2b_breakage_account_id = fields.Many2one(
        related="company_id.b2b_breakage_account_id", readonly=False
    )
    b2b_cashback_trigger = fields.Selection(
        related="company_id.b2b_cashback_trigger", readonly=False
    )
