from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import float_compare

RENEWAL_TEMPLATE_XMLID = "loyalty_b2b.mail_template_b2b_membership_renewal"
WELCOME_TEMPLATE_XMLID = "loyalty_b2b.mail_template_b2b_membership_welcome_fee"
PAID_STATES = ("paid", "in_payment")


class AccountMove(models.Model):
    """Membership fee invoices of loyalty cards: paying one activates its card
    for a period (recorded on the invoice); undoing the payment or refunding
    the fee in full takes the period back."""

    _inherit = "account.move"

    b2b_membership_card_id = fields.Many2one(
        "loyalty.b2b.card",
        string="Membership Card",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Loyalty card whose membership fee this invoice charges.",
    )
    b2b_is_membership_fee = fields.Boolean(
        string="Membership Fee",
        readonly=True,
        copy=False,
        help="A membership fee of a loyalty card, or its credit note: no "
        "purchase, it counts in no qualifying spend.",
    )
    b2b_membership_date_start = fields.Date(
        string="Membership From",
        readonly=True,
        copy=False,
        help="First day of the membership period this fee paid; empty while unpaid.",
    )
    b2b_membership_date_end = fields.Date(
        string="Membership To",
        readonly=True,
        copy=False,
        help="Last day of the membership period this fee paid; empty while unpaid.",
    )
    b2b_membership_recipient_ids = fields.Many2many(
        "res.partner",
        string="Membership Mail Recipients",
        compute="_compute_b2b_membership_recipient_ids",
        help="Who receives the renewal invoice: the customer's contacts who "
        "receive loyalty mail, accountants first; else the customer itself.",
    )

    @api.depends("commercial_partner_id")
    def _compute_b2b_membership_recipient_ids(self):
        # Contacts of these customers only: no company domain needed.
        contacts = (
            self.env["res.partner"]
            .sudo()
            .search(
                [
                    ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                    ("b2b_loyalty_mail", "=", True),
                    ("email", "!=", False),
                ]
            )
            .grouped("commercial_partner_id")
        )
        empty = self.env["res.partner"]
        for move in self:
            customer = move.commercial_partner_id
            recipients = contacts.get(customer, empty).sorted(
                lambda p: (p.b2b_loyalty_role != "accountant", p.name or "", p.id)
            )
            if not recipients and customer.email:
                recipients = customer
            move.b2b_membership_recipient_ids = recipients.sudo(False)

    def _reverse_moves(self, default_values_list=None, cancel=False):
        # The credit note of a fee refunds a fee: no purchase either.
        if not default_values_list:
            default_values_list = [{} for _move in self]
        for move, default_values in zip(self, default_values_list, strict=True):
            if move.b2b_is_membership_fee:
                default_values.setdefault("b2b_is_membership_fee", True)
        return super()._reverse_moves(default_values_list, cancel=cancel)

    # Paid and unpaid ----------------------------------------------------------

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        self._b2b_membership_fees()._b2b_membership_refresh()
        return res

    def _b2b_filter_paid_invoices_to_watch(self):
        return (
            super()._b2b_filter_paid_invoices_to_watch()
            | self._b2b_membership_fees().filtered("b2b_membership_date_start")
        )

    def _b2b_on_unpaid(self):
        res = super()._b2b_on_unpaid()
        self._b2b_membership_fees()._b2b_membership_refresh()
        return res

    def _b2b_on_posted(self):
        res = super()._b2b_on_posted()
        # A credit note of a fee may refund it in full.
        self._b2b_membership_refunded_fees()._b2b_membership_refresh()
        return res

    def _b2b_on_unposted(self):
        res = super()._b2b_on_unposted()
        # A fee's credit note reset to draft or cancelled no longer refunds it.
        self._b2b_membership_refunded_fees()._b2b_membership_refresh()
        return res

    def _b2b_membership_fees(self):
        """The membership fee invoices of ``self``."""
        return self.filtered(
            lambda move: move.b2b_membership_card_id and move.move_type == "out_invoice"
        )

    def _b2b_membership_refunded_fees(self):
        """The fee invoices the credit notes of ``self`` reverse."""
        refunds = self.filtered(lambda move: move.move_type == "out_refund")
        return refunds.reversed_entry_id._b2b_membership_fees()

    def _b2b_membership_is_refunded(self):
        """This fee invoice is refunded in full by posted credit notes."""
        self.ensure_one()
        refunds = self.reversal_move_ids.filtered(
            lambda move: move.state == "posted" and move.move_type == "out_refund"
        )
        return (
            float_compare(
                sum(refunds.mapped("amount_total")),
                self.amount_total,
                precision_rounding=self.currency_id.rounding,
            )
            >= 0
        )

    def _b2b_membership_is_settled(self):
        """This fee invoice pays a period: posted, paid and not refunded."""
        self.ensure_one()
        return (
            self.state == "posted"
            and self.payment_state in PAID_STATES
            and not self._b2b_membership_is_refunded()
        )

    def _b2b_membership_get_payment_date(self):
        """The date this invoice was paid: that of its last payment (or other
        counterpart) reconciled, today if none."""
        self.ensure_one()
        receivables = self.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        dates = receivables.matched_credit_ids.credit_move_id.mapped("date")
        return max(dates) if dates else fields.Date.context_today(self)

    def _b2b_membership_refresh(self):
        """Give each fee invoice of ``self`` the period it pays, or take it
        back, then move the cards to the state their periods give.

        A first period, or one paid after the card lapsed (past its grace
        days), starts on the payment date; a renewal paid in time starts the
        day after the card's ``valid_until``."""
        # sudo: paying, refunding or unreconciling a fee moves its card, whoever
        # does it; only the fee invoices of ``self`` and their cards are written.
        fees = self.sudo()
        if not fees:
            return
        for move in fees.sorted(lambda move: (move.invoice_date or move.date, move.id)):
            settled = move._b2b_membership_is_settled()
            if settled and not move.b2b_membership_date_start:
                card = move.b2b_membership_card_id
                paid_on = move._b2b_membership_get_payment_date()
                grace = card.program_id.membership_grace_days
                if card.valid_until and (paid_on - card.valid_until).days <= grace:
                    start = card.valid_until + timedelta(days=1)
                else:
                    start = paid_on
                start, end = card._b2b_membership_get_period(start)
                move.write(
                    {"b2b_membership_date_start": start, "b2b_membership_date_end": end}
                )
            elif not settled and move.b2b_membership_date_start:
                move.write(
                    {
                        "b2b_membership_date_start": False,
                        "b2b_membership_date_end": False,
                    }
                )
        fees.b2b_membership_card_id._b2b_membership_sync_state()

    # Fee emails ---------------------------------------------------------------

    def _b2b_membership_send_welcome(self):
        """Email each first fee invoice of ``self`` (with its PDF): the card
        waits for its payment."""
        return self._b2b_send_membership_invoice(
            self.env.ref(WELCOME_TEMPLATE_XMLID, raise_if_not_found=False),
            lambda recipients: self.env._(
                "Membership fee invoice emailed to %(recipients)s.",
                recipients=recipients,
            ),
        )

    def _b2b_membership_send_renewal(self):
        """Email each renewal invoice of ``self`` (with its PDF)."""
        return self._b2b_send_membership_invoice(
            self.env.ref(RENEWAL_TEMPLATE_XMLID, raise_if_not_found=False),
            lambda recipients: self.env._(
                "Membership renewal invoice emailed to %(recipients)s.",
                recipients=recipients,
            ),
        )

    def _b2b_send_membership_invoice(self, template, get_note):
        """Hook: email each fee invoice of ``self`` with ``template`` (its PDF
        attached) to its customer's loyalty contacts, in the customer's
        language, and note it in the chatter with ``get_note(recipients)``.
        Returns the mails queued."""
        mails = self.env["mail.mail"]
        if not template or not self:
            return mails
        for move in self:
            recipients = move.b2b_membership_recipient_ids
            if not recipients:
                continue
            mail_id = template.send_mail(
                move.id, email_layout_xmlid="loyalty_b2b.mail_layout_b2b_customer"
            )
            mails |= self.env["mail.mail"].browse(mail_id)
            move.is_move_sent = True
            move.message_post(
                body=get_note(", ".join(recipients.mapped("display_name")))
            )
        return mails


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _b2b_is_benefit_line(self):
        # A membership fee is no purchase: it earns no cashback.
        return (
            super()._b2b_is_benefit_line() and not self.move_id.b2b_membership_card_id
        )
