import threading
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import split_every
from odoo.tools.misc import format_amount, format_date

from .contact_roles import DECISION_MAKER_ROLES

UPGRADE_TEMPLATE_XMLID = "loyalty_b2b.mail_template_b2b_tier_upgrade"
NOTIFY_CRON_XMLID = "loyalty_b2b.ir_cron_b2b_tier_notifications"


class LoyaltyB2bTierHistory(models.Model):
    """One row per tier change of a card, written by the tier engine only."""

    _name = "loyalty.b2b.tier.history"
    _description = "B2B Loyalty Tier Change"
    _order = "date desc, id desc"
    _check_company_auto = True

    card_id = fields.Many2one(
        "loyalty.b2b.card",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    # Copied from the card when the change is recorded, as a ledger does.
    program_id = fields.Many2one("loyalty.b2b.program", readonly=True, index=True)
    partner_id = fields.Many2one(
        "res.partner", string="Customer", readonly=True, index=True
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    old_tier_id = fields.Many2one(
        "loyalty.b2b.tier", string="Previous Tier", readonly=True, ondelete="set null"
    )
    new_tier_id = fields.Many2one(
        "loyalty.b2b.tier", readonly=True, ondelete="set null"
    )
    change = fields.Selection(
        [
            ("initial", "Initial tier"),
            ("upgrade", "Upgrade"),
            ("downgrade", "Downgrade"),
        ],
        required=True,
        readonly=True,
    )
    spent_amount = fields.Monetary(
        string="Qualifying Spend",
        readonly=True,
        help="Company spend in the program's window when the tier changed, in "
        "company currency.",
    )
    notification_state = fields.Selection(
        [("pending", "To send"), ("done", "Sent")],
        default="pending",
        required=True,
        readonly=True,
        index=True,
        help="Shortly after the change (scheduled action 'B2B Loyalty: send "
        "tier change notices'), a note is logged on the card, upgrades are "
        "mailed to the customer's decision makers and downgrades give the "
        "salesperson an activity. A first tier only gets the note.",
    )
    mail_recipient_ids = fields.Many2many(
        "res.partner",
        string="Mail Recipients",
        compute="_compute_mail_recipient_ids",
        help="Decision makers of the customer who receive loyalty mail (in "
        "the language given by the context key b2b_recipient_lang, when set).",
    )

    # What the customer's email says, in the language it is rendered in.
    new_tier_label = fields.Char(
        compute="_compute_mail_texts",
        help="The new tier and what it gives: Gold: 10 % on your orders.",
    )
    new_tier_benefit = fields.Char(
        compute="_compute_mail_texts",
        help="What the new tier gives: 10 % on your orders.",
    )
    next_tier_message = fields.Char(
        string="Next Tier Goal",
        compute="_compute_mail_texts",
        help="What the card needed, at the change, to reach the tier after the "
        "new one, or that the new one is the top tier.",
    )

    @api.depends("card_id.name", "new_tier_id", "date")
    def _compute_display_name(self):
        for history in self:
            history.display_name = self.env._(
                "%(card)s: %(tier)s on %(date)s",
                # The number: the card's full name tells its current tier.
                card=history.card_id.name,
                tier=history.new_tier_id.display_name or self.env._("no tier"),
                date=format_date(self.env, history.date),
            )

    @api.depends("partner_id")
    @api.depends_context("b2b_recipient_lang")
    def _compute_mail_recipient_ids(self):
        recipients_by_customer = self._get_mail_recipients()
        empty = self.env["res.partner"]
        by_lang = "b2b_recipient_lang" in self.env.context
        lang = self.env.context.get("b2b_recipient_lang")
        for history in self:
            recipients = recipients_by_customer.get(history.partner_id, empty)
            if by_lang:
                recipients = recipients.filtered(lambda p: p.lang == lang)
            history.mail_recipient_ids = recipients

    @api.depends(
        "program_id.program_type",
        "program_id.spend_period_months",
        "program_id.tier_ids.min_amount",
        "program_id.tier_ids.name",
        "program_id.tier_ids.discount_percent",
        "program_id.tier_ids.cashback_percent",
        "new_tier_id",
        "spent_amount",
    )
    @api.depends_context("lang")
    def _compute_mail_texts(self):
        # From the change as recorded, not from the card: several changes may
        # be recorded before their notices are sent.
        for history in self:
            program, tier = history.program_id, history.new_tier_id
            if not program or not tier:
                history.new_tier_label = history.new_tier_benefit = False
                history.next_tier_message = False
                continue
            history.new_tier_label = program._get_order_tier_label(tier)
            history.new_tier_benefit = program._get_order_benefit_label(tier)
            history.next_tier_message = program._get_next_tier_message(
                tier, history.spent_amount
            )

    def _get_chatter_body(self):
        """The note logged on the card for this change."""
        self.ensure_one()
        values = {
            "old": self.old_tier_id.name or self.env._("no tier"),
            "new": self.new_tier_id.name or self.env._("no tier"),
            "amount": format_amount(self.env, self.spent_amount, self.currency_id),
        }
        if self.change == "upgrade":
            text = self.env._(
                "Tier upgraded from %(old)s to %(new)s (qualifying spend %(amount)s).",
                **values,
            )
        elif self.change == "downgrade":
            text = self.env._(
                "Tier downgraded from %(old)s to %(new)s (qualifying spend "
                "%(amount)s).",
                **values,
            )
        else:
            text = self.env._(
                "Tier set to %(new)s (qualifying spend %(amount)s).", **values
            )
        return Markup("<p>%s</p>") % text

    def _log_on_cards(self):
        """One chatter note per change, created in batches of changes of
        distinct cards."""
        remaining = self.sorted("id")
        while remaining:
            first_by_card = {
                history.card_id: history.id for history in reversed(remaining)
            }
            batch = remaining.browse(list(first_by_card.values()))
            batch.card_id._message_log_batch(
                {history.card_id.id: history._get_chatter_body() for history in batch}
            )
            remaining -= batch

    @api.model
    def _trigger_notices(self):
        """Have the notices of pending changes sent soon, in their own job: the
        tier engine only records changes, so that posting an invoice never
        waits for (nor fails on) the rendering of an email, and a night with
        many changes stays a set-based recomputation."""
        cron = self.env.ref(NOTIFY_CRON_XMLID, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    @api.model
    def _cron_notify_tier_changes(self, batch_size=200, auto_commit=None):
        """Send the notices of pending tier changes, by batches, reporting
        progress. ``auto_commit`` (default: not under test) commits after each
        batch so that a failure later on does not send the same mails twice."""
        if auto_commit is None:
            auto_commit = not getattr(threading.current_thread(), "testing", False)
        pending = self.search([("notification_state", "=", "pending")], order="id")
        done, total = 0, len(pending)
        cron = self.env["ir.cron"]
        cron._notify_progress(done=0, remaining=total)
        for batch in split_every(batch_size, pending.ids, self.browse):
            batch._log_on_cards()
            batch._send_notices()
            batch.notification_state = "done"
            done += len(batch)
            cron._notify_progress(done=done, remaining=total - done)
            if auto_commit:
                # Commit each batch: the notices of a batch are not sent twice
                # if a later batch fails.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return done

    def _send_notices(self):
        """Tell the people concerned: the customer on an upgrade, the
        salesperson on a downgrade."""
        self.filtered(lambda h: h.change == "upgrade")._send_upgrade_mails()
        self.filtered(
            lambda h: h.change == "downgrade"
        )._schedule_downgrade_activities()

    def _get_mail_recipients(self):
        """Contacts of the customers of ``self`` that receive loyalty mail with
        a role of ``_get_upgrade_mail_roles``, by customer (commercial
        partner)."""
        return self.env["res.partner"]._get_b2b_loyalty_mail_contacts(
            self.partner_id, self._get_upgrade_mail_roles()
        )

    @api.model
    def _get_upgrade_mail_roles(self):
        """Hook: the roles of the contacts who hear of an upgrade: the
        decision makers, as of the customer's other loyalty news."""
        return DECISION_MAKER_ROLES

    def _send_upgrade_mails(self):
        """Queue the upgrade email of every change in ``self``: one mail per
        change and language of its recipients, rendered in that language (a
        contact without one gets the customer's), in one batch per language."""
        template = self.env.ref(UPGRADE_TEMPLATE_XMLID, raise_if_not_found=False)
        if not template or not self:
            return self.env["mail.mail"]
        recipients_by_customer = self._get_mail_recipients()
        history_ids_by_lang = defaultdict(list)
        for history in self:
            recipients = recipients_by_customer.get(history.partner_id)
            for lang in set(recipients.mapped("lang")) if recipients else ():
                history_ids_by_lang[lang].append(history.id)
        layout = self._get_upgrade_mail_layout()
        mails = self.env["mail.mail"]
        for lang, history_ids in history_ids_by_lang.items():
            mails |= template.with_context(b2b_recipient_lang=lang).send_mail_batch(
                history_ids, email_layout_xmlid=layout
            )
        return mails

    @api.model
    def _get_upgrade_mail_layout(self):
        """Hook: the layout of the upgrade email. A seller's email to its
        customer: no "Your B2B Loyalty Tier Change ..." header and no unfollow
        link of a follower notification (the contacts follow nothing)."""
        return "loyalty_b2b.mail_layout_b2b_customer"

    def _get_salesperson(self):
        """Who hears of a downgrade: the customer's salesperson when they can
        work in the card's company, else that company's first Loyalty
        administrator (an internal, active user)."""
        self.ensure_one()
        company = self.company_id

        def can_act(user):
            return (
                user and user.active and not user.share and company in user.company_ids
            )

        salesperson = self.partner_id.user_id
        if can_act(salesperson):
            return salesperson
        managers = self.env.ref("loyalty_b2b.group_loyalty_b2b_manager").users
        return managers.filtered(can_act).sorted("id")[:1]

    def _schedule_downgrade_activities(self):
        """A to-do on the card for the salesperson of each downgraded customer."""
        if not self:
            return self.env["mail.activity"]
        activity_type = self.env.ref(
            "mail.mail_activity_data_todo", raise_if_not_found=False
        )
        model_id = self.env["ir.model"]._get_id("loyalty.b2b.card")
        vals_list = []
        for history in self:
            user = history._get_salesperson()
            if not user:
                continue
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": history.card_id.id,
                    "activity_type_id": activity_type.id if activity_type else False,
                    "user_id": user.id,
                    "date_deadline": history.date,
                    "automated": True,
                    "summary": self.env._(
                        "Loyalty tier downgraded: %(customer)s",
                        customer=history.partner_id.name,
                    ),
                    "note": self.env._(
                        "%(customer)s moved from %(old)s to %(new)s on card "
                        "%(card)s (qualifying spend %(amount)s). Consider "
                        "contacting them.",
                        customer=history.partner_id.name,
                        old=history.old_tier_id.name or self.env._("no tier"),
                        new=history.new_tier_id.name or self.env._("no tier"),
                        card=history.card_id.name,
                        amount=format_amount(
                            self.env, history.spent_amount, history.currency_id
                        ),
                    ),
                }
            )
        return self.env["mail.activity"].create(vals_list)
