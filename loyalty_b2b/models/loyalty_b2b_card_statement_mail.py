from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.osv import expression
from odoo.tools import split_every

from .contact_roles import ACCOUNTANT_ROLES

STATEMENT_TEMPLATE_XMLID = "loyalty_b2b.mail_template_b2b_monthly_statement"
STATEMENT_REPORT_XMLID = "loyalty_b2b.action_report_loyalty_statement"
# The first days of a month on which last month's statements go out: a job
# that missed the 1st (server down) still sends them.
STATEMENT_MAIL_DAYS = 7


class LoyaltyB2bCard(models.Model):
    """Each month, the statement of last month (its PDF attached) to the
    accountants of the customers whose card's ledger moved."""

    _inherit = "loyalty.b2b.card"

    @api.model
    def _get_statement_mail_period(self, today):
        """``(first day, last day)`` of the month whose statements go out on
        ``today``: last month, during the first ``STATEMENT_MAIL_DAYS`` days
        of a month; None on the other days."""
        if today.day > STATEMENT_MAIL_DAYS:
            return None
        date_to = today.replace(day=1) - relativedelta(days=1)
        return date_to.replace(day=1), date_to

    @api.model
    def _get_statement_mail_card_domain(self):
        """Hook: the cards whose statements are mailed: cards with a balance
        (cashback and stamps)."""
        return [("program_id.program_type", "in", ("cashback", "stamp"))]

    @api.model
    def _get_statement_mail_cards(self, date_from, date_to):
        """Cards whose ledger moved from ``date_from`` to ``date_to``: a line
        on their statement of the period (``_get_statement_entries_domain``:
        reservations, which move no balance, do not count)."""
        # sudo: the job reads every company's ledger.
        ledger = self.env["loyalty.b2b.transaction"].sudo()
        candidates = self.sudo().search(
            [
                *self._get_statement_mail_card_domain(),
                (
                    "id",
                    "in",
                    ledger._search(
                        [("date", ">=", date_from), ("date", "<=", date_to)]
                    ).subselect("card_id"),
                ),
            ],
            order="id",
        )
        moved_ids = []
        for batch in split_every(1000, candidates.ids, candidates.browse):
            domain = expression.OR(
                [
                    card._get_statement_entries_domain(date_from, date_to)
                    for card in batch
                ]
            )
            moved_ids += [card.id for [card] in ledger._read_group(domain, ["card_id"])]
        return self.sudo().browse(sorted(moved_ids))

    @api.model
    def _cron_send_monthly_statements(self, today=None, auto_commit=None):
        """Daily: in the first days of a month, email last month's statement
        of every card whose ledger moved to its customer's accountants, once
        per card and month. Returns the notices of the statements sent."""
        today = today or fields.Date.context_today(self)
        period = self._get_statement_mail_period(today)
        if not period:
            return self.env["loyalty.b2b.card.notice"]
        date_from, date_to = period
        cards = self._get_statement_mail_cards(date_from, date_to)
        return cards._run_notice_job(
            lambda batch: batch._send_statement_mails(date_from, date_to),
            auto_commit=auto_commit,
        )

    def _send_statement_mails(self, date_from, date_to):
        """Email the statement from ``date_from`` to ``date_to`` of each card of
        ``self`` to its customer's accountants who receive loyalty mail, unless
        sent before. Returns the notices of those sent."""
        Notice = self.env["loyalty.b2b.card.notice"].sudo()
        template = self.env.ref(STATEMENT_TEMPLATE_XMLID, raise_if_not_found=False)
        if not template or not self:
            return Notice
        sent = self._get_sent_notice_keys("statement", [date_from])
        recipients_by_customer = self.env["res.partner"]._get_b2b_loyalty_mail_contacts(
            self.partner_id, ACCOUNTANT_ROLES
        )
        notices = Notice
        for card in self:
            recipients = recipients_by_customer.get(card.partner_id)
            if not recipients or (card, date_from) in sent:
                continue
            notices |= card._send_role_notice(
                "statement",
                date_from,
                template,
                recipients,
                get_attachments=lambda card=card: card._create_statement_attachment(
                    date_from, date_to
                ),
                values={
                    "b2b_statement_date_from": fields.Date.to_string(date_from),
                    "b2b_statement_date_to": fields.Date.to_string(date_to),
                },
            )
        return notices

    def _create_statement_attachment(self, date_from, date_to):
        """The card's statement of the period, as the portal offers it (the
        same report and file name), attached to the card. Odoo renders
        reports as HTML when it cannot make PDFs (in tests): the file then
        says so in its name and type."""
        self.ensure_one()
        period = {
            "date_from": fields.Date.to_string(date_from),
            "date_to": fields.Date.to_string(date_to),
        }
        report = self.env["ir.actions.report"].sudo().with_company(self.company_id)
        content, report_type = report._render_qweb_pdf(
            STATEMENT_REPORT_XMLID, self.ids, data=period
        )
        name = self.with_context(lang=self.partner_id.lang or self.env.lang).env._(
            "Statement %(number)s %(date_from)s %(date_to)s.pdf",
            number=self.name,
            **period,
        )
        if report_type != "pdf":
            name = f"{name.removesuffix('.pdf')}.{report_type}"
        return (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name,
                    "raw": content,
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "application/pdf"
                    if report_type == "pdf"
                    else "text/html",
                }
            )
        )
