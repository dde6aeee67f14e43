import secrets

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.misc import format_date

from .loyalty_b2b_card import CURRENT_CARD_STATES

INVITATION_TEMPLATE_XMLID = "loyalty_b2b.mail_template_b2b_invitation"
# Programs that take new members (see loyalty.b2b.program._get_state).
INVITING_PROGRAM_STATES = ("running", "scheduled")


class LoyaltyB2bInvitation(models.Model):
    """An emailed invitation of a company to a program whose entry method is
    "By invitation": whoever holds its link (the token) accepts it on a public
    page, without an account, and the company gets its card."""

    _name = "loyalty.b2b.invitation"
    _description = "B2B Loyalty Invitation"
    _inherit = ["mail.thread"]
    _order = "id desc"
    _check_company_auto = True

    program_id = fields.Many2one(
        "loyalty.b2b.program",
        required=True,
        ondelete="cascade",
        index=True,
        readonly=True,
        tracking=True,
        check_company=True,
        domain="[('enrolment', '=', 'invitation')]",
    )
    company_id = fields.Many2one(
        related="program_id.company_id", store=True, index=True, precompute=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        readonly=True,
        tracking=True,
        check_company=True,
        help="The company invited (commercial partner): it gets the card.",
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Invited Contact",
        required=True,
        readonly=True,
        check_company=True,
        help="Who the invitation was emailed to; on acceptance it receives the "
        "program's emails (Receives Loyalty Mail).",
    )
    email = fields.Char(required=True, readonly=True)
    token = fields.Char(
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: secrets.token_urlsafe(32),
        groups="loyalty_b2b.group_loyalty_b2b_user",
    )
    invitation_url = fields.Char(
        string="Invitation Link",
        compute="_compute_invitation_url",
        groups="loyalty_b2b.group_loyalty_b2b_user",
        help="The link of the email: whoever opens it may accept the invitation.",
    )
    state = fields.Selection(
        [
            ("sent", "Sent"),
            ("accepted", "Accepted"),
            ("expired", "Expired"),
            ("revoked", "Revoked"),
        ],
        string="Status",
        default="sent",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    sent_date = fields.Datetime(
        string="Sent On", default=fields.Datetime.now, required=True, readonly=True
    )
    expiration_date = fields.Date(
        string="Valid Until",
        required=True,
        readonly=True,
        help="Last day the invitation may be accepted.",
    )
    accepted_date = fields.Datetime(string="Accepted On", readonly=True, copy=False)
    card_id = fields.Many2one("loyalty.b2b.card", readonly=True, copy=False)
    user_id = fields.Many2one(
        "res.users",
        string="Sent By",
        default=lambda self: self.env.user,
        readonly=True,
    )

    _sql_constraints = [
        ("token_uniq", "unique(token)", "An invitation token must be unique."),
    ]

    def init(self):
        # One open invitation per program and company: a new one replaces it
        # (see loyalty.b2b.invitation.wizard), the database makes sure.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (program_id, partner_id) "
                "WHERE state = 'sent'",
                SQL.identifier("loyalty_b2b_invitation_sent_program_partner_uniq"),
                SQL.identifier(self._table),
            )
        )

    @api.depends("program_id.name", "partner_id.name")
    def _compute_display_name(self):
        for invitation in self:
            invitation.display_name = self.env._(
                "%(program)s: %(company)s",
                program=invitation.program_id.name or "",
                company=invitation.partner_id.name or "",
            )

    @api.depends("token")
    def _compute_invitation_url(self):
        for invitation in self:
            invitation.invitation_url = (
                invitation.get_base_url() + invitation._get_invitation_path()
                if invitation.token
                else False
            )

    @api.constrains("program_id", "partner_id")
    def _check_program_enrolment(self):
        for invitation in self:
            if invitation.program_id.enrolment != "invitation":
                raise ValidationError(
                    self.env._(
                        "Program %(program)s does not enrol companies by "
                        "invitation: set its entry method to By invitation first.",
                        program=invitation.program_id.display_name,
                    )
                )
            if invitation.partner_id != invitation.partner_id.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "Invitations go to companies: %(partner)s is a contact of "
                        "%(company)s.",
                        partner=invitation.partner_id.display_name,
                        company=invitation.partner_id.commercial_partner_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        programs = self.env["loyalty.b2b.program"].browse(
            [vals["program_id"] for vals in vals_list if vals.get("program_id")]
        )
        programs.fetch(["invitation_validity_days"])
        today = fields.Date.today()
        for vals in vals_list:
            if not vals.get("expiration_date") and vals.get("program_id"):
                program = self.env["loyalty.b2b.program"].browse(vals["program_id"])
                vals["expiration_date"] = today + relativedelta(
                    days=program.invitation_validity_days
                )
        return super().create(vals_list)

    # Actions ---------------------------------------------------------------------

    def action_revoke(self):
        """Withdraw sent invitations: their link no longer issues a card."""
        not_sent = self.filtered(lambda invitation: invitation.state != "sent")
        if not_sent:
            raise UserError(
                self.env._(
                    "Only sent invitations can be revoked; %(invitations)s cannot.",
                    invitations=", ".join(not_sent.mapped("display_name")),
                )
            )
        self.state = "revoked"
        return True

    def action_view_card(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "loyalty.b2b.card",
            "res_id": self.card_id.id,
            "view_mode": "form",
        }

    # Business methods ---------------------------------------------------------

    def _get_invitation_path(self):
        """The path of the invitation's public page (relative)."""
        self.ensure_one()
        return f"/loyalty/invitation/{self.token}"

    @api.model
    def _get_default_contacts(self, companies):
        """``{company: contact}``: who an invitation of each company goes to,
        its first contact that receives loyalty mail and has an email, else
        the company itself."""
        contacts = self.env["res.partner"].search(
            [
                ("commercial_partner_id", "in", companies.ids),
                ("id", "not in", companies.ids),
                ("b2b_loyalty_mail", "=", True),
                ("email", "!=", False),
            ],
            order="id",
        )
        by_company = contacts.grouped("commercial_partner_id")
        return {
            company: by_company[company][:1] if company in by_company else company
            for company in companies
        }

    @api.model
    def _find_by_token(self, token):
        """The invitation of ``token`` (an exact match in the database), or an
        empty recordset. Called sudo by the public routes: the token is the
        visitor's only credential, and it is unique across companies."""
        if not token or not isinstance(token, str):
            return self.browse()
        return self.search([("token", "=", token)], limit=1)

    def _is_expired(self, today=None):
        """Past its last day (server date, as the expiry cron)."""
        self.ensure_one()
        today = today or fields.Date.today()
        return self.state == "expired" or (
            self.state == "sent" and self.expiration_date < today
        )

    def _send_invitation_mails(self):
        """Queue the email of each invitation, in its contact's language, and
        log it on the invitation."""
        template = self.env.ref(INVITATION_TEMPLATE_XMLID, raise_if_not_found=False)
        if not template or not self:
            return self.env["mail.mail"]
        mails = template.send_mail_batch(
            self.ids, email_layout_xmlid=self._get_invitation_mail_layout()
        )
        self._message_log_batch(
            bodies={
                invitation.id: self.env._(
                    "Invitation emailed to %(email)s, valid until %(date)s.",
                    email=invitation.email,
                    date=format_date(self.env, invitation.expiration_date),
                )
                for invitation in self
            }
        )
        return mails

    @api.model
    def _get_invitation_mail_layout(self):
        """Hook: the layout of the invitation email (the seller's email to its
        customer, as the tier upgrade)."""
        return "loyalty_b2b.mail_layout_b2b_customer"

    def _prepare_card_vals(self):
        """Hook: values of the card the accepted invitation issues."""
        self.ensure_one()
        return {"program_id": self.program_id.id, "partner_id": self.partner_id.id}

    def _check_acceptable(self):
        """Raise a UserError, in words for the invited customer, when this
        invitation cannot be accepted now."""
        self.ensure_one()
        if self.state == "accepted":
            raise UserError(self.env._("This invitation was already accepted."))
        if self.state == "revoked":
            raise UserError(self.env._("This invitation was withdrawn."))
        if self._is_expired():
            raise UserError(
                self.env._(
                    "This invitation expired on %(date)s.",
                    date=format_date(self.env, self.expiration_date),
                )
            )
        program = self.program_id
        if (
            program.enrolment != "invitation"
            or program.state not in INVITING_PROGRAM_STATES
        ):
            raise UserError(
                self.env._(
                    "The program %(program)s no longer takes new members.",
                    program=program.name,
                )
            )
        if not program._filter_eligible_partners(self.partner_id):
            raise UserError(
                self.env._(
                    "%(company)s cannot join the program %(program)s. Please "
                    "contact us.",
                    company=self.partner_id.name,
                    program=program.name,
                )
            )
        if self.env["loyalty.b2b.card"].search_count(
            [
                ("program_id", "=", program.id),
                ("partner_id", "=", self.partner_id.id),
                ("state", "in", CURRENT_CARD_STATES),
            ],
            limit=1,
        ):
            raise UserError(
                self.env._(
                    "%(company)s already holds a card of the program %(program)s.",
                    company=self.partner_id.name,
                    program=program.name,
                )
            )

    def _accept(self):
        """Issue the card of this invitation, mark it accepted and let its
        contact receive loyalty mail; return the card. All or nothing: a
        UserError (see ``_check_acceptable``) leaves no trace. The public
        accept route calls it once the token matched."""
        self.ensure_one()
        # Two clicks on Accept at once: the second waits, then sees "accepted".
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id = %s FOR UPDATE",
                SQL.identifier(self._table),
                self.id,
            )
        )
        self.invalidate_recordset(["state", "card_id"])
        self._check_acceptable()
        with self.env.cr.savepoint():
            # sudo: the customer accepting has no right on cards; the token
            # and _check_acceptable decided.
            card = (
                self.env["loyalty.b2b.card"]
                .sudo()
                .with_company(self.company_id)
                .create(self._prepare_card_vals())
            )
            self.write(
                {
                    "state": "accepted",
                    "accepted_date": fields.Datetime.now(),
                    "card_id": card.id,
                }
            )
            if not self.contact_id.b2b_loyalty_mail:
                self.contact_id.sudo().b2b_loyalty_mail = True
            self.env.flush_all()
        self.message_post(
            body=self.env._(
                "Accepted: card %(card)s issued.",
                card=card.name,
            ),
            author_id=self.contact_id.id,
        )
        return card

    @api.model
    def _cron_expire_invitations(self):
        """Mark the sent invitations whose last day has passed expired."""
        today = fields.Date.today()
        overdue = self.search([("state", "=", "sent"), ("expiration_date", "<", today)])
        overdue.state = "expired"
        return overdue
