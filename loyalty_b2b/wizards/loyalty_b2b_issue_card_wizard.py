from odoo import Command, api, fields, models
from odoo.exceptions import UserError


class LoyaltyB2bIssueCardWizard(models.TransientModel):
    """Issue cards of one program to the companies chosen on their form or in
    the customer list: one card per company, none to a company that already
    holds a card of the program (active or pending) or is not eligible for it."""

    _name = "loyalty.b2b.issue.card.wizard"
    _description = "Issue Loyalty Cards"

    program_id = fields.Many2one(
        "loyalty.b2b.program",
        required=True,
        domain="[('state', 'in', ('running', 'scheduled'))]",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        "loyalty_b2b_issue_card_wizard_partner_rel",
        "wizard_id",
        "partner_id",
        string="Companies",
        required=True,
        help="A card issued to a contact goes to its company.",
    )
    holder_ids = fields.Many2many(
        "res.partner",
        "loyalty_b2b_issue_card_wizard_holder_rel",
        "wizard_id",
        "partner_id",
        string="Already Holding a Card",
        compute="_compute_skipped_partners",
        store=True,
        readonly=False,
    )
    ineligible_ids = fields.Many2many(
        "res.partner",
        "loyalty_b2b_issue_card_wizard_ineligible_rel",
        "wizard_id",
        "partner_id",
        string="Not Eligible",
        compute="_compute_skipped_partners",
        store=True,
        readonly=False,
    )
    card_ids = fields.Many2many(
        "loyalty.b2b.card", string="Cards Issued", readonly=True
    )
    state = fields.Selection(
        [("choose", "Choose"), ("done", "Issued")], default="choose", required=True
    )

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        context = self.env.context
        if (
            "partner_ids" in fields_list
            and not res.get("partner_ids")
            and context.get("active_model") == "res.partner"
        ):
            partners = self.env["res.partner"].browse(context.get("active_ids") or [])
            res["partner_ids"] = [Command.set(partners.commercial_partner_id.ids)]
        return res

    @api.depends("program_id", "partner_ids")
    def _compute_skipped_partners(self):
        # Shown before issuing; issuing checks again.
        for wizard in self:
            holders, ineligible = wizard._get_skipped_partners()
            wizard.holder_ids = holders
            wizard.ineligible_ids = ineligible

    def _get_companies(self):
        """The companies of the chosen partners, once each, in their order."""
        self.ensure_one()
        return self.partner_ids.commercial_partner_id

    def _get_skipped_partners(self):
        """``(holders, ineligible)``: the companies that already hold a current
        (active or pending) card of the program, and those the program's
        eligibility leaves out."""
        self.ensure_one()
        companies = self._get_companies()
        program = self.program_id
        if not program or not companies:
            return companies.browse(), companies.browse()
        return program._split_enrolment_candidates(companies)

    def _prepare_card_vals(self, partner):
        """Hook: values of the card issued to the company ``partner``."""
        self.ensure_one()
        return {"program_id": self.program_id.id, "partner_id": partner.id}

    def action_issue(self):
        self.ensure_one()
        if self.state == "done":
            raise UserError(self.env._("These cards were already issued."))
        program = self.program_id
        if program.state not in ("running", "scheduled"):
            raise UserError(
                self.env._(
                    "Program %(program)s has ended or is archived: it issues no "
                    "more cards.",
                    program=program.display_name,
                )
            )
        holders, ineligible = self._get_skipped_partners()
        companies = self._get_companies() - holders - ineligible
        cards = self.env["loyalty.b2b.card"].create(
            [self._prepare_card_vals(partner) for partner in companies]
        )
        self.write(
            {
                "holder_ids": [Command.set(holders.ids)],
                "ineligible_ids": [Command.set(ineligible.ids)],
                "card_ids": [Command.set(cards.ids)],
                "state": "done",
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Cards Issued"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_view_cards(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_card_action"
        )
        action["domain"] = [("id", "in", self.card_ids.ids)]
        action["context"] = {}
        return action
