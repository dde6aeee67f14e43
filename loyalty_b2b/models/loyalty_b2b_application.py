import hashlib
import logging
import re
import secrets
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, email_normalize, escape_psql, single_email_re

_logger = logging.getLogger(__name__)

# Hours a confirmation link stays valid when the parameter is not set.
DEFAULT_CONFIRM_HOURS = 48
CONFIRM_HOURS_PARAM = "loyalty_b2b.signup_confirm_hours"
CONFIRM_TEMPLATE_XMLID = "loyalty_b2b.mail_template_b2b_signup_confirm"
WELCOME_TEMPLATE_XMLID = "loyalty_b2b.mail_template_b2b_card_welcome"
REJECT_TEMPLATE_XMLID = "loyalty_b2b.mail_template_b2b_signup_rejected"
# Longest values the sign-up form accepts, by field.
MAX_LENGTHS = {
    "name": 128,
    "vat": 32,
    "street": 128,
    "zip": 16,
    "city": 64,
    "contact_name": 128,
    "email": 254,
    "phone": 32,
}
MIN_NAME_LENGTH = 2
PHONE_RE = re.compile(r"^\+?[0-9 ()./-]+$")
MIN_PHONE_DIGITS = 6
VAT_RE = re.compile(r"^[A-Za-z0-9 ./-]+$")


class LoyaltyB2bApplication(models.Model):
    """A company's application for a card of an online sign-up program: what
    the visitor entered on the public page, its email confirmation, and the
    review that issues the card or rejects it. Never a card by itself."""

    _name = "loyalty.b2b.application"
    _description = "B2B Loyalty Application"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(string="Company Name", required=True, tracking=True)
    program_id = fields.Many2one(
        "loyalty.b2b.program",
        required=True,
        index=True,
        readonly=True,
        ondelete="cascade",
        domain="[('enrolment', '=', 'signup')]",
    )
    company_id = fields.Many2one(
        related="program_id.company_id", store=True, index=True, precompute=True
    )
    state = fields.Selection(
        [
            ("to_confirm", "Email to Confirm"),
            ("to_review", "To Review"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
        ],
        default="to_confirm",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
        help="Email to Confirm: the applicant has not opened the link emailed "
        "to it yet. To Review: a salesperson approves or rejects it.",
    )
    vat = fields.Char(string="Tax ID")
    country_id = fields.Many2one("res.country", required=True)
    street = fields.Char()
    zip = fields.Char()
    city = fields.Char()
    contact_name = fields.Char(required=True)
    email = fields.Char(required=True)
    phone = fields.Char()
    contact_role = fields.Selection(
        selection=lambda self: (
            self.env["res.partner"]
            ._fields["b2b_loyalty_role"]
            ._description_selection(self.env)
        ),
        string="Contact's Role",
    )
    lang = fields.Char(
        string="Language", help="Language the applicant used on the sign-up page."
    )
    terms_accepted_date = fields.Datetime(
        string="Terms Accepted On", readonly=True, copy=False
    )
    confirm_token_hash = fields.Char(
        readonly=True, copy=False, groups="base.group_system"
    )
    confirm_deadline = fields.Datetime(
        string="Confirm Before", readonly=True, copy=False
    )
    confirmed_date = fields.Datetime(
        string="Email Confirmed On", readonly=True, copy=False
    )
    user_id = fields.Many2one(
        "res.users",
        string="Reviewer",
        tracking=True,
        check_company=True,
        domain="[('share', '=', False)]",
        help="Salesperson asked to review the application.",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        readonly=True,
        tracking=True,
        check_company=True,
        help="The company the card was issued to at approval.",
    )
    contact_id = fields.Many2one("res.partner", readonly=True, check_company=True)
    card_id = fields.Many2one("loyalty.b2b.card", readonly=True, check_company=True)
    reject_reason = fields.Text(readonly=True, tracking=True)
    card_url = fields.Char(
        string="Card Link",
        compute="_compute_card_urls",
        help="Link to the card on the portal, signed for the contact.",
    )
    card_apple_wallet_url = fields.Char(compute="_compute_card_urls")
    card_google_wallet_url = fields.Char(compute="_compute_card_urls")

    @api.depends("card_id", "contact_id")
    def _compute_card_urls(self):
        for application in self:
            card = application.card_id.sudo()
            if not card or not application.contact_id:
                application.card_url = False
                application.card_apple_wallet_url = False
                application.card_google_wallet_url = False
                continue
            base_url = card.get_base_url()
            # The shared link carries the card's token and the contact's
            # signature: the contact sees its level without an account.
            share_url = card._get_share_url(pid=application.contact_id.id)
            query = share_url.partition("?")[2]
            application.card_url = base_url + share_url
            company = card.company_id
            application.card_apple_wallet_url = (
                f"{base_url}{card.access_url}/wallet/apple?{query}"
                if company.b2b_has_apple_wallet
                else False
            )
            application.card_google_wallet_url = (
                f"{base_url}{card.access_url}/wallet/google?{query}"
                if company.b2b_has_google_wallet
                else False
            )

    # Sign-up form ------------------------------------------------------------

    @api.model
    def _get_signup_form_fields(self):
        """Hook: names of the text inputs of the sign-up form."""
        return [
            "name",
            "vat",
            "country_id",
            "street",
            "zip",
            "city",
            "contact_name",
            "email",
            "phone",
            "contact_role",
        ]

    @api.model
    def _validate_signup_form(self, program, data):
        """``(vals, errors)``: the application values of the sign-up form
        ``data`` (dict of strings), and ``{field: message}`` of what is wrong
        with it. Nothing is stored here."""
        _ = self.env._
        values = {
            fname: (data.get(fname) or "").strip()
            for fname in self._get_signup_form_fields()
        }
        errors = {}
        for fname, max_length in MAX_LENGTHS.items():
            if len(values[fname]) > max_length:
                errors[fname] = _(
                    "At most %(count)s characters, please.", count=max_length
                )
        for fname in ("name", "street", "city", "contact_name", "email", "vat"):
            if not values[fname] and fname not in errors:
                errors[fname] = _("This field is required.")
        for fname in ("name", "contact_name"):
            if fname not in errors and len(values[fname]) < MIN_NAME_LENGTH:
                errors[fname] = _(
                    "At least %(count)s characters, please.", count=MIN_NAME_LENGTH
                )
        country = self.env["res.country"]
        if values["country_id"].isdigit():
            country = country.browse(int(values["country_id"])).exists()
        if not country:
            errors["country_id"] = _("Choose your country in the list.")
        email = email_normalize(values["email"]) if "email" not in errors else False
        if "email" not in errors and (
            not email or not single_email_re.match(values["email"])
        ):
            errors["email"] = _(
                "Enter one valid email address, such as name@example.com."
            )
        phone = values["phone"]
        if (
            phone
            and "phone" not in errors
            and (
                not PHONE_RE.match(phone)
                or sum(char.isdigit() for char in phone) < MIN_PHONE_DIGITS
            )
        ):
            errors["phone"] = _(
                "Enter a phone number with at least %(count)s digits, such as "
                "+32 2 123 45 67.",
                count=MIN_PHONE_DIGITS,
            )
        roles = dict(self._fields["contact_role"]._description_selection(self.env))
        if values["contact_role"] not in roles:
            errors["contact_role"] = _("Choose your role in the list.")
        if "vat" not in errors and "country_id" not in errors:
            vat_error = self._check_signup_vat(values["vat"], country)
            if vat_error:
                errors["vat"] = vat_error
        if not data.get("terms"):
            errors["terms"] = _("Accept the program's terms to apply.")
        if errors:
            return {}, errors
        vals = {
            **values,
            "country_id": country.id,
            "email": email,
            "program_id": program.id,
            "terms_accepted_date": fields.Datetime.now(),
            "lang": self.env.lang,
        }
        return vals, {}

    @api.model
    def _check_signup_vat(self, vat, country):
        """The message saying what is wrong with the tax ID ``vat`` of a
        company of ``country``, or False. The tax ID checks of each country
        apply when Odoo's ``base_vat`` is installed (``_run_vat_test``
        accepts any number without it)."""
        if not VAT_RE.match(vat):
            return self.env._(
                "A tax ID has only letters, digits, spaces, dots, dashes and slashes."
            )
        if self.env["res.partner"]._run_vat_test(vat, country, True) is False:
            return self.env._(
                "%(vat)s is not a valid tax ID in %(country)s.",
                vat=vat,
                country=country.name,
            )
        return False

    # Matching companies ------------------------------------------------------

    @api.model
    def _normalize_vat(self, vat):
        return re.sub(r"[^A-Za-z0-9]", "", vat or "").upper()

    @api.model
    def _get_vat_variants(self, vat, country):
        """The normalised forms ``vat`` may be stored with: with and without
        the country prefix."""
        vat = self._normalize_vat(vat)
        if not vat:
            return set()
        variants = {vat}
        code = (country.code or "").upper()
        if code and vat.startswith(code) and len(vat) > len(code):
            variants.add(vat[len(code) :])
        elif code and not vat[:2].isalpha():
            variants.add(code + vat)
        return variants

    @api.model
    def _search_companies_by_vat(self, company, vat, country):
        """Companies (commercial partners) whose tax ID is ``vat`` once
        normalised, among the partners of ``company`` and the shared ones."""
        variants = self._get_vat_variants(vat, country)
        Partner = self.env["res.partner"]
        if not variants:
            return Partner
        Partner.flush_model(["vat", "is_company", "company_id"])
        query = Partner._search(
            expression.AND(
                [[("is_company", "=", True)], Partner._check_company_domain(company)]
            )
        )
        query.add_where(
            SQL(
                "regexp_replace(upper(%s), '[^A-Z0-9]', '', 'g') IN %s",
                SQL.identifier(query.table, "vat"),
                tuple(sorted(variants)),
            )
        )
        return Partner.browse(query.get_result_ids())

    def _get_matching_companies(self):
        """Existing companies this application may be for, best first: those
        with its tax ID, then those with its name. A proposal only."""
        self.ensure_one()
        by_vat = self._search_companies_by_vat(
            self.company_id, self.vat, self.country_id
        )
        Partner = self.env["res.partner"]
        by_name = Partner.search(
            expression.AND(
                [
                    [
                        ("is_company", "=", True),
                        # The visitor's text, its % and _ taken literally.
                        ("name", "ilike", escape_psql(self.name)),
                        ("id", "not in", by_vat.ids),
                    ],
                    Partner._check_company_domain(self.company_id),
                ]
            ),
            limit=10,
        )
        return by_vat | by_name

    @api.model
    def _is_program_member(self, program, vat, country):
        """Whether a company with tax ID ``vat`` already holds a current card
        of ``program``. Sudo: the public visitor reads neither; only a yes or
        no leaves this method."""
        companies = self.sudo()._search_companies_by_vat(
            program.company_id, vat, country
        )
        if not companies:
            return False
        return bool(
            self.env["loyalty.b2b.card"]
            .sudo()
            .search_count(
                [
                    ("program_id", "=", program.id),
                    ("partner_id", "in", companies.ids),
                    ("state", "in", ("active", "pending")),
                ],
                limit=1,
            )
        )

    # Email confirmation ------------------------------------------------------

    @api.model
    def _hash_token(self, token):
        return hashlib.sha256(token.encode()).hexdigest()

    @api.model
    def _get_confirm_hours(self):
        value = (
            self.env["ir.config_parameter"].sudo().get_param(CONFIRM_HOURS_PARAM, "")
        )
        try:
            hours = int(value)
        except ValueError:
            return DEFAULT_CONFIRM_HOURS
        return hours if hours > 0 else DEFAULT_CONFIRM_HOURS

    def _get_confirm_url(self, token):
        self.ensure_one()
        return f"{self.get_base_url()}/loyalty/join/confirm/{token}"

    def _send_confirmation_email(self):
        """Give the application a new confirmation token (only its hash is
        stored) and email the link to the applicant."""
        self.ensure_one()
        token = secrets.token_urlsafe(32)
        self.sudo().write(
            {
                "confirm_token_hash": self._hash_token(token),
                "confirm_deadline": fields.Datetime.now()
                + timedelta(hours=self._get_confirm_hours()),
            }
        )
        template = self.env.ref(CONFIRM_TEMPLATE_XMLID, raise_if_not_found=False)
        if template:
            template.with_context(
                b2b_confirm_url=self._get_confirm_url(token),
                b2b_confirm_hours=self._get_confirm_hours(),
            ).send_mail(
                self.id,
                email_layout_xmlid="loyalty_b2b.mail_layout_b2b_customer",
            )
        return token

    @api.model
    def _confirm_by_token(self, token):
        """Confirm the email of the application the link ``token`` was sent
        for, if it waits for it and the link has not expired. Returns it
        (sudo) or an empty recordset: nothing changes then."""
        if not token or len(token) > 128:
            return self.sudo().browse()
        # sudo: the token is the visitor's only credential; its hash is
        # looked up, never the token itself.
        application = self.sudo().search(
            [
                ("confirm_token_hash", "=", self._hash_token(token)),
                ("state", "=", "to_confirm"),
                ("confirm_deadline", ">=", fields.Datetime.now()),
            ],
            limit=1,
        )
        if application:
            application._confirm_email()
        return application

    def _confirm_email(self):
        """The applicant proved its email: to review, by the salesperson of
        the company it matches, else the program's responsible."""
        for application in self:
            reviewer = application._get_reviewer()
            application.write(
                {
                    "state": "to_review",
                    "confirmed_date": fields.Datetime.now(),
                    "confirm_token_hash": False,
                    "user_id": reviewer.id,
                }
            )
            application.message_post(
                body=self.env._("The applicant confirmed its email address.")
            )
            if reviewer:
                application.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=self.env._("Review the loyalty card application"),
                    user_id=reviewer.id,
                )

    def _get_reviewer(self):
        """Hook: who reviews the application: the salesperson of the
        existing company it matches, when they work in the program's company,
        else the program's sign-up responsible."""
        self.ensure_one()
        company = self.company_id
        for partner in self._get_matching_companies()[:1]:
            user = partner.user_id
            if user and user.active and not user.share and company in user.company_ids:
                return user
        return self.program_id.signup_user_id

    # Review --------------------------------------------------------------------

    def _check_reviewable(self):
        for application in self:
            if application.state != "to_review":
                raise UserError(
                    self.env._(
                        "Application %(application)s is not waiting for a review.",
                        application=application.display_name,
                    )
                )

    def _prepare_company_vals(self):
        """Hook: values of the company created at approval."""
        self.ensure_one()
        return {
            "name": self.name,
            "is_company": True,
            "vat": self.vat,
            "country_id": self.country_id.id,
            "street": self.street,
            "zip": self.zip,
            "city": self.city,
            "lang": self._get_lang(),
            "company_id": self.company_id.id,
        }

    def _prepare_contact_vals(self, company):
        """Hook: values of the applicant's contact under ``company``."""
        self.ensure_one()
        return {
            "name": self.contact_name,
            "parent_id": company.id,
            # create() does not take it from the parent (only default_get).
            "company_id": company.company_id.id,
            "type": "contact",
            "email": self.email,
            "phone": self.phone,
            "lang": self._get_lang(),
            "b2b_loyalty_role": self.contact_role,
            "b2b_loyalty_mail": True,
        }

    def _get_lang(self):
        self.ensure_one()
        langs = self.env["res.lang"].get_installed()
        return self.lang if self.lang in dict(langs) else False

    def _get_or_create_contact(self, company):
        """The company's contact with the applicant's email, given its role
        and the loyalty mail, or a new one."""
        self.ensure_one()
        contact = company.child_ids.filtered(
            lambda child: email_normalize(child.email) == self.email
        )[:1]
        vals = self._prepare_contact_vals(company)
        if contact:
            contact.write(
                {
                    "b2b_loyalty_role": vals["b2b_loyalty_role"],
                    "b2b_loyalty_mail": True,
                }
            )
            return contact
        return self.env["res.partner"].create(vals)

    def _approve(self, partner=None, grant_portal=False):
        """Issue the card: to ``partner`` (an existing company the reviewer
        chose) or to a new company made of the application; the applicant
        becomes its contact, with portal access if ``grant_portal``, and
        receives the card by email."""
        self.ensure_one()
        self._check_reviewable()
        company = partner.commercial_partner_id if partner else None
        if not company:
            company = self.env["res.partner"].create(self._prepare_company_vals())
        try:
            card = self.env["loyalty.b2b.card"].create(
                {"program_id": self.program_id.id, "partner_id": company.id}
            )
        except ValidationError as error:
            raise UserError(
                self.env._(
                    "The card cannot be issued to %(company)s: %(reason)s",
                    company=company.display_name,
                    reason=error.args[0],
                )
            ) from error
        contact = self._get_or_create_contact(company)
        self.write(
            {
                "state": "approved",
                "partner_id": company.id,
                "contact_id": contact.id,
                "card_id": card.id,
            }
        )
        if grant_portal:
            self._grant_portal_access(contact)
        self.activity_feedback(["mail.mail_activity_data_todo"])
        self._send_welcome_email()
        return card

    def _grant_portal_access(self, contact):
        """Give ``contact`` a portal account the way the Contacts app does
        (it receives Odoo's invitation email)."""
        wizard = (
            self.env["portal.wizard"]
            .with_context(active_ids=contact.ids)
            .create({"partner_ids": [fields.Command.set(contact.ids)]})
        )
        wizard_user = wizard.user_ids.filtered(lambda user: user.partner_id == contact)
        if not wizard_user.is_portal and not wizard_user.is_internal:
            wizard_user.action_grant_access()

    def _send_welcome_email(self):
        """Queue the email of the card to the applicant's contact, in its
        language, and note it in the application's chatter."""
        self.ensure_one()
        template = self.env.ref(WELCOME_TEMPLATE_XMLID, raise_if_not_found=False)
        if not template:
            return self.env["mail.mail"]
        mail = (
            self.env["mail.mail"]
            .sudo()
            .browse(
                template.send_mail(
                    self.id, email_layout_xmlid="loyalty_b2b.mail_layout_b2b_customer"
                )
            )
        )
        self.message_post(
            body=self.env._(
                "Card %(card)s issued and emailed to %(contact)s.",
                card=self.card_id.name,
                contact=self.contact_id.email_formatted,
            )
        )
        return mail

    def _reject(self, reason):
        """Refuse the application for ``reason``, told to the applicant."""
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason of the rejection."))
        self._check_reviewable()
        self.write({"state": "rejected", "reject_reason": reason})
        self.activity_unlink(["mail.mail_activity_data_todo"])
        template = self.env.ref(REJECT_TEMPLATE_XMLID, raise_if_not_found=False)
        for application in self:
            application.message_post(
                body=self.env._("Rejected: %(reason)s", reason=reason)
            )
            if template:
                template.send_mail(
                    application.id,
                    email_layout_xmlid="loyalty_b2b.mail_layout_b2b_customer",
                )

    # Actions -----------------------------------------------------------------

    def action_approve(self):
        self.ensure_one()
        self._check_reviewable()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_application_approve_wizard_action"
        )
        action["context"] = {"default_application_id": self.id}
        return action

    def action_reject(self):
        self.ensure_one()
        self._check_reviewable()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_application_reject_wizard_action"
        )
        action["context"] = {"default_application_id": self.id}
        return action

    def action_view_card(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "loyalty.b2b.card",
            "res_id": self.card_id.id,
            "view_mode": "form",
        }

    def action_resend_confirmation(self):
        for application in self.filtered(lambda a: a.state == "to_confirm"):
            application._send_confirmation_email()
