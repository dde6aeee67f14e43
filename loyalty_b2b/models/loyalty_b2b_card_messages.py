import logging
import threading

import psycopg2.errors

from odoo import api, fields, models
from odoo.tools import mute_logger, split_every

from .contact_roles import ACCOUNTANT_ROLES, DECISION_MAKER_ROLES

_logger = logging.getLogger(__name__)

# The unique key of the messages sent (loyalty.b2b.card.notice).
NOTICE_UNIQUE_KEY = "loyalty_b2b_card_notice_card_kind_key_date_uniq"
# Cards per transaction of the message jobs.
NOTICE_BATCH_SIZE = 50


class LoyaltyB2bCard(models.Model):
    """Messages to the contacts of a card's customer, by their role: who
    receives them, how each is posted in the card's chatter and recorded once
    (``loyalty.b2b.card.notice``), whatever job sends it."""

    _inherit = "loyalty.b2b.card"

    notice_ids = fields.One2many("loyalty.b2b.card.notice", "card_id")
    notice_count = fields.Integer(compute="_compute_notice_count")
    b2b_mail_accountant_ids = fields.Many2many(
        "res.partner",
        string="Accountants Mailed",
        compute="_compute_b2b_mail_contacts",
        groups="base.group_user",
        help="Active contacts of the customer with the role Accountant who "
        "receive loyalty mail: they get the monthly statements.",
    )
    b2b_mail_decision_maker_ids = fields.Many2many(
        "res.partner",
        string="Decision Makers Mailed",
        compute="_compute_b2b_mail_contacts",
        groups="base.group_user",
        help="Active contacts of the customer with the role Decision maker who "
        "receive loyalty mail: they get cashback expiry, downgrade risk and "
        "tier upgrade messages.",
    )

    def _compute_notice_count(self):
        counts = dict(
            self.env["loyalty.b2b.card.notice"]._read_group(
                [("card_id", "in", self.ids)], ["card_id"], ["__count"]
            )
        )
        for card in self:
            card.notice_count = counts.get(card, 0)

    @api.depends("partner_id")
    def _compute_b2b_mail_contacts(self):
        Partner = self.env["res.partner"]
        accountants = Partner._get_b2b_loyalty_mail_contacts(
            self.partner_id, ACCOUNTANT_ROLES
        )
        decision_makers = Partner._get_b2b_loyalty_mail_contacts(
            self.partner_id, DECISION_MAKER_ROLES
        )
        for card in self:
            card.b2b_mail_accountant_ids = accountants.get(card.partner_id, Partner)
            card.b2b_mail_decision_maker_ids = decision_makers.get(
                card.partner_id, Partner
            )

    @api.model
    def _get_role_notice_layout(self):
        """Hook: the layout of the messages to the customer's contacts, the
        one of the tier upgrade email (a seller's email, no follower
        notification)."""
        return "loyalty_b2b.mail_layout_b2b_customer"

    @api.model
    def _is_notice_job_committing(self, auto_commit):
        """Whether a message job commits after each batch: by default, unless
        under test."""
        if auto_commit is None:
            return not getattr(threading.current_thread(), "testing", False)
        return auto_commit

    def _get_sent_notice_keys(self, kind, key_dates):
        """``{(card, key date)}`` of the messages of ``kind`` already sent for
        these cards on ``key_dates``: one search, to skip them before any
        rendering (the unique key still guards what runs concurrently)."""
        notices = (
            self.env["loyalty.b2b.card.notice"]
            .sudo()
            .search(
                [
                    ("card_id", "in", self.ids),
                    ("kind", "=", kind),
                    ("key_date", "in", list(key_dates)),
                ]
            )
        )
        return {(notice.card_id, notice.key_date) for notice in notices}

    def _claim_notice(self, kind, key_date, recipients):
        """Record the message of ``kind`` for ``key_date`` before sending it,
        or return an empty recordset when it exists: the unique key makes a
        second job that claims it at the same time wait for the first one's
        transaction, then give up."""
        self.ensure_one()
        Notice = self.env["loyalty.b2b.card.notice"].sudo()
        try:
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                return Notice.create(
                    {
                        "card_id": self.id,
                        "kind": kind,
                        "key_date": key_date,
                        "recipient_ids": [fields.Command.set(recipients.ids)],
                    }
                )
        except psycopg2.errors.UniqueViolation as error:
            if error.diag.constraint_name != NOTICE_UNIQUE_KEY:
                raise
            _logger.info(
                "Card %s: the %s message of %s was already sent.",
                self.id,
                kind,
                key_date,
            )
            return Notice

    def _send_role_notice(
        self, kind, key_date, template, recipients, get_attachments=None, values=None
    ):
        """Send ``template`` about this card to ``recipients`` (the template
        addresses them: its recipients), once for ``(kind, key_date)``: posted
        in the card's chatter, in the layout of ``_get_role_notice_layout``,
        with the attachments ``get_attachments()`` makes once the message is
        claimed (``ir.attachment``) and the context ``values`` the template
        reads (``ctx``). Returns the notice, empty when nothing was sent (no
        template or recipient, or sent before)."""
        self.ensure_one()
        Notice = self.env["loyalty.b2b.card.notice"].sudo()
        if not template or not recipients:
            return Notice
        notice = self._claim_notice(kind, key_date, recipients)
        if not notice:
            return Notice
        attachments = get_attachments() if get_attachments else None
        card = self.with_context(**(values or {}))
        message = card.message_post_with_source(
            template,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            email_layout_xmlid=self._get_role_notice_layout(),
            attachment_ids=attachments.ids if attachments else [],
        )
        notice.message_id = message[:1]
        return notice

    def _run_notice_job(self, send_batch, auto_commit=None):
        """Run ``send_batch(cards)`` over ``self`` by batches, reporting progress
        to the scheduler; commits after each batch unless ``auto_commit`` is
        False (see ``_is_notice_job_committing``). Returns the notices sent."""
        auto_commit = self._is_notice_job_committing(auto_commit)
        cron = self.env["ir.cron"]
        done, total = 0, len(self)
        cron._notify_progress(done=0, remaining=total)
        notices = self.env["loyalty.b2b.card.notice"].sudo()
        for batch in split_every(NOTICE_BATCH_SIZE, self.ids, self.browse):
            notices |= send_batch(batch)
            done += len(batch)
            cron._notify_progress(done=done, remaining=total - done)
            if auto_commit:
                # One transaction per batch: the messages of a batch are
                # recorded with their sending; a failure later does not
                # send them again.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        return notices

    def action_view_notices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_b2b.loyalty_b2b_card_notice_action"
        )
        action["domain"] = [("card_id", "=", self.id)]
        action["context"] = {"default_card_id": self.id}
        return action
