from odoo import api, fields, models
from odoo.exceptions import UserError


class LoyaltyB2bApplicationApproveWizard(models.TransientModel):
    """Approve an application: the reviewer links it to an existing company
    (the ones matching its tax ID or name are proposed) or creates a new one;
    the card is issued and emailed to the applicant."""

    _name = "loyalty.b2b.application.approve.wizard"
    _description = "Approve a B2B Loyalty Application"
    _check_company_auto = True

    application_id = fields.Many2one(
        "loyalty.b2b.application", required=True, readonly=True
    )
    company_id = fields.Many2one(related="application_id.company_id")
    match_partner_ids = fields.Many2many(
        "res.partner",
        string="Matching Companies",
        compute="_compute_match_partner_ids",
        help="Existing companies with the application's tax ID or name.",
    )
    company_choice = fields.Selection(
        [("existing", "An existing company"), ("new", "A new company")],
        string="Issue the Card to",
        required=True,
        compute="_compute_company_choice",
        store=True,
        precompute=True,
        readonly=False,
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_company_choice",
        store=True,
        precompute=True,
        readonly=False,
        check_company=True,
        domain="[('is_company', '=', True)]",
    )
    grant_portal = fields.Boolean(
        string="Grant Portal Access",
        help="Give the applicant a portal account (Odoo emails the invitation).",
    )

    @api.depends("application_id")
    def _compute_match_partner_ids(self):
        for wizard in self:
            wizard.match_partner_ids = (
                wizard.application_id._get_matching_companies()
                if wizard.application_id
                else False
            )

    @api.depends("application_id")
    def _compute_company_choice(self):
        for wizard in self:
            application = wizard.application_id
            # Only a company with the same tax ID is chosen for the reviewer; a
            # name match is merely proposed (in match_partner_ids).
            match = (
                application._search_companies_by_vat(
                    application.company_id, application.vat, application.country_id
                )[:1]
                if application
                else False
            )
            wizard.company_choice = "existing" if match else "new"
            wizard.partner_id = match

    def action_approve(self):
        self.ensure_one()
        partner = None
        if self.company_choice == "existing":
            if not self.partner_id:
                raise UserError(self.env._("Choose the company to issue the card to."))
            partner = self.partner_id
        self.application_id._approve(partner=partner, grant_portal=self.grant_portal)
        return {"type": "ir.actions.act_window_close"}
