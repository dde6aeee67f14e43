from odoo import fields, models


class LoyaltyB2bProgram(models.Model):
    """The program's chatter: who changed its benefit, dates, accounting or
    eligibility, and when (its tiers post their own changes, see
    loyalty_b2b_tier_tracking.py)."""

    _name = "loyalty.b2b.program"
    _inherit = ["loyalty.b2b.program", "mail.thread"]

    name = fields.Char(tracking=True)
    active = fields.Boolean(tracking=True)
    company_id = fields.Many2one(tracking=True)
    program_type = fields.Selection(tracking=True)
    date_from = fields.Date(tracking=True)
    date_to = fields.Date(tracking=True)
    discount_percent = fields.Float(tracking=True)
    spend_period_months = fields.Integer(tracking=True)
    tier_hold_months = fields.Integer(tracking=True)
    stamps_required = fields.Integer(tracking=True)
    stamp_min_amount = fields.Monetary(tracking=True)
    stamp_reward_product_id = fields.Many2one(tracking=True)
    journal_id = fields.Many2one(tracking=True)
    rebate_account_id = fields.Many2one(tracking=True)
    liability_account_id = fields.Many2one(tracking=True)
    breakage_account_id = fields.Many2one(tracking=True)
    cashback_redemption_product_id = fields.Many2one(tracking=True)
    cashback_validity_months = fields.Integer(tracking=True)
    partner_category_ids = fields.Many2many(tracking=True)
    partner_domain = fields.Char(tracking=True)
    product_category_ids = fields.Many2many(tracking=True)
    enrolment = fields.Selection(tracking=True)
