from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..models.loyalty_b2b_invitation import INVITING_PROGRAM_STATES


class LoyaltyB2bInvitationWizard(models.TransientModel):
    """Email invitations to a program to the companies chosen on their form or
    in the customer list: one per company, none to a company that already
    holds a card of the program (active or pending), is not eligible for it or
    has nobody to email. A company with an open invitation gets a new one: the
    old one is revoked (its link stops working)."""

    _name = "loyalty.b2b.invitation.wizard"
    _description = "Invite Companies to a Loyalty Program"

    program_id = fields.Many2one(
        "loyalty.b2b.program",
        required=True,
        domain="[('enrolment', '=', 'invitation'), "
        "('state', 'in', ('running', 'scheduled'))]",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        "loyalty_b2b_invitation_wizard_partner_rel",
        "wizard_id",
        "partner_id",
        string="Companies",
        required=True,
        help="An invitation for a contact goes to its company.",
    )
    holder_ids = fields.Many2many(
        "res.partner",
        "loyalty_b2b_invitation_wizard_holder_rel",
        "wizard_id",
        "partner_id",
        string="Already Holding a Card",
        compute="_compute_skipped_partners",
        store=True,
        readonly=False,
    )
    ineligible_ids = fields.Many2many(
        "res.partner",
        "loyalty_b2b_invitation_wizard_ineligible_rel",
        "wizard_id",
        "partner_id",
        string="Not Eligible",
        compute="_compute_skipped_partners",
        store=True,
        readonly=False,
    )
    no_email_ids = fields.Many2many(
        "res.partner",
        "loyalty_b2b_invitation_wizard_no_email_rel",
        "wizard_id",
        "partner_id",
        string="Without Email",
        compute="_compute_skipped_partners",
        store=True,
        readonly=False,
    )
    reinvited_ids = fields.Many2many(
        "res.partner",
        "loyalty_b2b_invitation_wizard_reinvited_rel",
        "wizard_id",
        "partner_id",
        string="Invited Again",
        compute="_compute_skipped_partners",
        store=True,
        readonly=False,
    )
    invitation_ids = fields.Many2many(
        "loyalty.b2b.invitation", string="Invitations Sent", readonly=True
    )
    state = fields.Selection(
        [("choose", "Choose"), ("done", "Sent")], default="choose", required=True
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
        if "program_id" in fields_list and not res.get("program_id"):
            # The one program that invites, if there is only one.
            programs = self.env["loyalty.b2b.program"].search(
                self._get_program_domain(), limit=2
            )
            if len(programs) == 1:
                res["program_id"] = programs.id
        return res

    @api.model
    def _get_program_domain(self):
        return [
            ("enrolment", "=", "invitation"),
            ("state", "in", INVITING_PROGRAM_STATES),
        ]

    @api.depends("program_id", "partner_ids")
    def _compute_skipped_partners(self):
        # Shown before sending; sending checks again.
        for wizard in self:
            holders, ineligible, no_email = wizard._get_skipped_partners()
            wizard.holder_ids = holders
            wizard.ineligible_ids = ineligible
            wizard.no_email_ids = no_email
            wizard.reinvited_ids = wizard._get_open_invitations().partner_id

    def _get_companies(self):
        """The companies of the chosen partners, once each, in their order."""
        self.ensure_one()
        return self.partner_ids.commercial_partner_id

    def _get_skipped_partners(self):
        """``(holders, ineligible, no_email)``: the companies that already
        hold a current (active or pending) card of the program, those the
        program's eligibility leaves out, and those with nobody to email."""
        self.ensure_one()
        companies = self._get_companies()
        program = self.program_id
        empty = companies.browse()
        if not program or not companies:
            return empty, empty, empty
        holders, ineligible = program._split_enrolment_candidates(companies)
        contacts = self.env["loyalty.b2b.invitation"]._get_default_contacts(
            companies - holders - ineligible
        )
        no_email = companies.browse(
            [company.id for company, contact in contacts.items() if not contact.email]
        )
        return holders, ineligible, no_email

    def _get_open_invitations(self):
        """The sent invitations of the program to the chosen companies."""
        self.ensure_one()
        companies = self._get_companies()
        if not self.program_id or not companies:
            return self.env["loyalty.b2b.invitation"]
        return self.env["loyalty.b2b.invitation"].search(
            [
                ("program_id", "=", self.program_id.id),
                ("partner_id", "in", companies.ids),
                ("state", "=", "sent"),
            ]
        )

    def _prepare_invitation_vals(self, company, contact):
        """Hook: values of the invitation of ``company``, emailed to
        ``contact``."""
        self.ensure_one()
        return {
            "program_id": self.program_id.id,
            "partner_id": company.id,
            "contact_id": contact.id,
            "email": contact.email,
        }

    def action_invite(self):
        self.ensure_one()
        if self.state == "done":
            raise UserError(self.env._("These invitations were already sent."))
        program = self.program_id
        if program.enrolment != "invitation":
            raise UserError(
                self.env._(
                    "Program %(program)s does not enrol companies by invitation.",
                    program=program.display_name,
                )
            )
        if program.state not in INVITING_PROGRAM_STATES:
            raise UserError(
                self.env._(
                    "Program %(program)s has ended or is archived: it takes no "
                    "more members.",
                    program=program.display_name,
                )
            )
        holders, ineligible, no_email = self._get_skipped_partners()
        companies = self._get_companies() - holders - ineligible - no_email
        Invitation = self.env["loyalty.b2b.invitation"]
        reinvited = self._get_open_invitations().filtered(
            lambda invitation: invitation.partner_id in companies
        )
        # A new invitation replaces the open one: its link stops working.
        reinvited.action_revoke()
        # Before the new ones: one sent invitation per company (unique index).
        reinvited.flush_recordset(["state"])
        contacts = Invitation._get_default_contacts(companies)
        invitations = Invitation.create(
            [
                self._prepare_invitation_vals(company, contacts[company])
                for company in companies
            ]
        )
        invitations._send_invitation_mails()
        self.write(
            {
                "holder_ids": [Command.set(holders.ids)],
                "ineligible_ids": [Command.set(ineligible.ids)],
                "no_email_ids": [Command.set(no_email.ids)],
                "reinvited_ids": [Command.set(reinvited.partner_id.ids)],
                "invitation_ids": [Command.set(invitations.ids)],
                "state": "done",
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Invitations Sent"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_view_invitations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_invitation_action"
        )
        action["domain"] = [("id", "in", self.invitation_ids.ids)]
        action["context"] = {}
        return action
