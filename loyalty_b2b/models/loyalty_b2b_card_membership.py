from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

# Context key of the membership's own state changes (payment, refund, expiry):
# the only ones allowed to activate a card whose fee is unpaid.
MEMBERSHIP_SYNC_KEY = "b2b_membership_sync"
# Context key with which a Loyalty administrator issues a card of a paid
# program without a fee (imports, free memberships): it keeps the state given.
MEMBERSHIP_NO_FEE_KEY = "b2b_membership_no_fee"
# States the membership moves a card between; a blocked card stays blocked.
MEMBERSHIP_STATES = ("pending", "active", "expired")


class LoyaltyB2bCard(models.Model):
    """Paid membership: a card of a program whose entry method is "Paid
    membership" starts pending with a fee invoice (or sales order); paying the
    fee activates it until ``valid_until``, renewals are invoiced before that
    date and an unpaid renewal expires the card after the grace period.

    Each fee invoice records on itself (``b2b_membership_date_start`` /
    ``_end``) the period it paid, set when it is paid and cleared when its
    payment is undone or the fee refunded; ``valid_until`` is the end of the
    last paid period.
    """

    _inherit = "loyalty.b2b.card"

    valid_until = fields.Date(
        compute="_compute_valid_until",
        store=True,
        help="Last day of the membership paid by the card's fee invoices. The "
        "renewal is invoiced before it; unpaid after the grace period, the "
        "card expires.",
    )
    membership_move_ids = fields.One2many(
        "account.move", "b2b_membership_card_id", string="Membership Invoices"
    )
    membership_order_ids = fields.One2many(
        "sale.order", "b2b_membership_card_id", string="Membership Orders"
    )
    membership_document_count = fields.Integer(
        compute="_compute_membership_document_count"
    )
    membership_renewed_until = fields.Date(
        readonly=True,
        copy=False,
        help="The end of membership whose renewal was already charged: one "
        "renewal per period.",
    )
    is_paid_membership = fields.Boolean(
        compute="_compute_is_paid_membership",
        help="The card's program is a paid membership.",
    )

    @api.depends(
        "membership_move_ids.b2b_membership_date_end",
    )
    def _compute_valid_until(self):
        for card in self:
            ends = card.membership_move_ids.filtered("b2b_membership_date_end").mapped(
                "b2b_membership_date_end"
            )
            card.valid_until = max(ends) if ends else False

    def _compute_membership_document_count(self):
        # sudo: counting the fee documents of cards the user reads.
        moves = dict(
            self.env["account.move"]
            .sudo()
            ._read_group(
                [("b2b_membership_card_id", "in", self.ids)],
                ["b2b_membership_card_id"],
                ["__count"],
            )
        )
        orders = dict(
            self.env["sale.order"]
            .sudo()
            ._read_group(
                [("b2b_membership_card_id", "in", self.ids)],
                ["b2b_membership_card_id"],
                ["__count"],
            )
        )
        for card in self:
            card.membership_document_count = moves.get(card, 0) + orders.get(card, 0)

    @api.depends("program_id.enrolment")
    def _compute_is_paid_membership(self):
        for card in self:
            card.is_paid_membership = card.program_id.enrolment == "paid"

    @api.model_create_multi
    def create(self, vals_list):
        programs = self.env["loyalty.b2b.program"].browse(
            {vals["program_id"] for vals in vals_list if vals.get("program_id")}
        )
        paid_ids = set(programs.filtered(lambda p: p.enrolment == "paid").ids)
        no_fee = self._b2b_membership_is_fee_waived()
        if paid_ids and not no_fee:
            for vals in vals_list:
                if vals.get("program_id") in paid_ids:
                    vals["state"] = "pending"
        cards = super().create(vals_list)
        if paid_ids and not no_fee:
            invoices, _orders = cards.filtered(
                lambda card: card.program_id.id in paid_ids
            )._b2b_create_membership_fee()
            # sudo: the fee is emailed whoever issues the card (a salesperson,
            # a portal user accepting an invitation); its own invoices only.
            invoices.sudo()._b2b_membership_send_welcome()
        return cards

    def write(self, vals):
        if vals.get("state") == "active" and not self.env.context.get(
            MEMBERSHIP_SYNC_KEY
        ):
            self._b2b_membership_check_activation()
        return super().write(vals)

    def _b2b_membership_is_fee_waived(self):
        """Whether the context waives the fee of new cards: only for the
        superuser or a Loyalty administrator."""
        return bool(self.env.context.get(MEMBERSHIP_NO_FEE_KEY)) and (
            self.env.su
            or self.env.user.has_group("loyalty_b2b.group_loyalty_b2b_manager")
        )

    def _b2b_membership_check_activation(self):
        """Refuse to activate by hand a card whose membership fee is unpaid: only
        its payment starts it."""
        cards = self.filtered(
            lambda card: card.program_id.enrolment == "paid" and card.state != "active"
        )
        if not cards or self._b2b_membership_is_fee_waived():
            return
        due = cards._b2b_membership_get_due_states()
        unpaid = cards.filtered(lambda card: due[card] != "active")
        if unpaid:
            raise UserError(
                self.env._(
                    "Card %(card)s cannot be activated: the membership fee is "
                    "unpaid. It becomes active when its fee invoice is paid.",
                    card=unpaid[0].display_name,
                )
            )

    # Fee documents -----------------------------------------------------------

    def _b2b_membership_get_period(self, start):
        """``(start, end)`` of a membership period starting on ``start``: end is
        its last day, the day before the same date ``period`` months later, or
        the last day of that month when it has no such date (31 January + 1
        month ends on 28 February, not the 27th)."""
        self.ensure_one()
        months = self.program_id.membership_period_months
        same_date = start + relativedelta(months=months)
        if same_date.day < start.day:
            # relativedelta fell back to the month's last day: the period ends on it.
            return start, same_date
        return start, same_date - timedelta(days=1)

    def _get_membership_line_name(self, renewal=False):
        """Label of the fee line: the card, and for a renewal the expected
        period (a renewal paid late starts at its payment)."""
        self.ensure_one()
        program = self.program_id
        if renewal and self.valid_until:
            start, end = self._b2b_membership_get_period(
                self.valid_until + timedelta(days=1)
            )
            return self.env._(
                "%(product)s: card %(card)s (%(program)s), %(start)s to %(end)s",
                product=program.membership_product_id.display_name,
                card=self.name,
                program=program.name,
                start=format_date(self.env, start),
                end=format_date(self.env, end),
            )
        return self.env._(
            "%(product)s: card %(card)s (%(program)s), %(months)s months from payment",
            product=program.membership_product_id.display_name,
            card=self.name,
            program=program.name,
            months=program.membership_period_months,
        )

    def _prepare_membership_line_vals(self, renewal=False):
        """Hook: the fee line of an invoice or order, labelled in the customer's
        language. Price and taxes follow the product, in the program's company,
        through the fiscal position."""
        self.ensure_one()
        card = self.with_context(lang=self.partner_id.lang or self.env.lang)
        return {
            "product_id": self.program_id.membership_product_id.id,
            "name": card._get_membership_line_name(renewal=renewal),
        }

    def _prepare_membership_invoice_vals(self, renewal=False):
        """Hook: values of the fee invoice of this card (posted once created)."""
        self.ensure_one()
        company = self.program_id.company_id
        fiscal_position = (
            self.env["account.fiscal.position"]
            .with_company(company)
            ._get_fiscal_position(self.partner_id)
        )
        return {
            "move_type": "out_invoice",
            "company_id": company.id,
            "partner_id": self.partner_id.id,
            "fiscal_position_id": fiscal_position.id,
            "invoice_origin": self.name,
            "b2b_membership_card_id": self.id,
            "b2b_is_membership_fee": True,
            "invoice_line_ids": [
                Command.create(
                    {
                        **self._prepare_membership_line_vals(renewal=renewal),
                        "quantity": 1.0,
                    }
                )
            ],
        }

    def _prepare_membership_order_vals(self, renewal=False):
        """Hook: values of the fee sales order of this card (confirmed once
        created)."""
        self.ensure_one()
        return {
            "company_id": self.program_id.company_id.id,
            "partner_id": self.partner_id.id,
            "origin": self.name,
            "b2b_membership_card_id": self.id,
            "order_line": [
                Command.create(
                    {
                        **self._prepare_membership_line_vals(renewal=renewal),
                        "product_uom_qty": 1.0,
                    }
                )
            ],
        }

    def _b2b_create_membership_fee(self, renewal=False):
        """Charge the membership fee of these cards, as their programs say: a
        posted invoice or a confirmed sales order, in the program's company.
        Returns ``(invoices, orders)``."""
        # sudo: the fee is the program's rule, not the choice of whoever issues
        # the card (a salesperson approving an application, a portal invitation);
        # every document is created in the card program's company.
        moves = self.env["account.move"].sudo()
        orders = self.env["sale.order"].sudo()
        by_company_and_document = self.grouped(
            lambda card: (
                card.program_id.company_id,
                card.program_id.membership_fee_document,
            )
        )
        for (company, document), cards in by_company_and_document.items():
            if document == "order":
                vals_list = [
                    card._prepare_membership_order_vals(renewal=renewal)
                    for card in cards
                ]
                new_orders = orders.with_company(company).create(vals_list)
                new_orders.action_confirm()
                orders |= new_orders
            else:
                vals_list = [
                    card._prepare_membership_invoice_vals(renewal=renewal)
                    for card in cards
                ]
                new_moves = moves.with_company(company).create(vals_list)
                new_moves.action_post()
                moves |= new_moves
        return moves.sudo(False), orders.sudo(False)

    def _b2b_membership_get_open_fee_cards(self):
        """Those of these cards with a fee waiting for payment: a draft or
        unpaid fee invoice, or a confirmed fee order not invoiced yet."""
        # sudo: the fee documents of these cards only.
        moves = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("b2b_membership_card_id", "in", self.ids),
                    ("move_type", "=", "out_invoice"),
                    ("state", "in", ("draft", "posted")),
                    ("payment_state", "in", ("not_paid", "partial")),
                ]
            )
        )
        orders = (
            self.env["sale.order"]
            .sudo()
            .search(
                [
                    ("b2b_membership_card_id", "in", self.ids),
                    ("state", "=", "sale"),
                    ("invoice_status", "=", "to invoice"),
                ]
            )
        )
        return (moves.b2b_membership_card_id | orders.b2b_membership_card_id).sudo(
            False
        )

    # States -----------------------------------------------------------------

    def _b2b_membership_get_due_states(self, date=None):
        """``{card: state}``: the state each card's membership gives on
        ``date``: pending before any paid period, active within a paid period
        (or its grace days while a fee awaits payment), expired after."""
        date = date or fields.Date.context_today(self)
        open_cards = self._b2b_membership_get_open_fee_cards()
        result = {}
        for card in self:
            if not card.valid_until:
                result[card] = "pending"
                continue
            grace_end = card.valid_until + timedelta(
                days=card.program_id.membership_grace_days
            )
            in_grace = (
                card in open_cards and card.state != "expired" and date <= grace_end
            )
            result[card] = (
                "active" if date <= card.valid_until or in_grace else "expired"
            )
        return result

    def _b2b_membership_sync_state(self, date=None):
        """Move the membership cards of ``self`` to the state their paid periods
        give. Blocked cards and cards of ended programs are left alone."""
        date = date or fields.Date.context_today(self)
        cards = self.filtered(
            lambda card: (
                card.program_id.enrolment == "paid"
                and card.state in MEMBERSHIP_STATES
                and not (card.program_id.date_to and card.program_id.date_to < date)
            )
        )
        if not cards:
            return
        due = cards._b2b_membership_get_due_states(date)
        changed = cards.filtered(lambda card: due[card] != card.state)
        for state, state_cards in changed.grouped(lambda card: due[card]).items():
            state_cards.with_context(**{MEMBERSHIP_SYNC_KEY: True}).write(
                {"state": state}
            )

    # Scheduled action --------------------------------------------------------

    @api.model
    def _cron_membership(self):
        """Charge the renewals that are due, then expire the cards whose
        membership ended (past the grace days)."""
        today = fields.Date.context_today(self)
        renewed = self._b2b_membership_renew(today)
        lapsed = self.search(
            [
                ("program_id.enrolment", "=", "paid"),
                ("state", "=", "active"),
                ("valid_until", "<", today),
            ]
        )
        lapsed._b2b_membership_sync_state(today)
        return renewed

    @api.model
    def _b2b_membership_get_renewal_cards(self, date):
        """Active cards of paid programs whose renewal is due on ``date`` and
        not charged yet, nor waiting for another fee. A program that ends (its
        *Valid Until*) before the next period would start renews nothing."""
        programs = self.env["loyalty.b2b.program"].search([("enrolment", "=", "paid")])
        cards = self.browse()
        for program in programs:
            domain = [
                ("program_id", "=", program.id),
                ("state", "=", "active"),
                ("valid_until", "!=", False),
                (
                    "valid_until",
                    "<=",
                    date + timedelta(days=program.membership_renewal_days),
                ),
            ]
            if program.date_to:
                domain.append(("valid_until", "<", program.date_to))
            cards |= self.search(domain)
        cards = cards.filtered(
            lambda card: card.membership_renewed_until != card.valid_until
        )
        return cards - cards._b2b_membership_get_open_fee_cards()

    @api.model
    def _b2b_membership_renew(self, date):
        """Charge the renewals due on ``date`` and email the renewal invoices."""
        cards = self._b2b_membership_get_renewal_cards(date)
        if not cards:
            return self.env["account.move"]
        invoices, _orders = cards._b2b_create_membership_fee(renewal=True)
        for valid_until, renewed in cards.grouped("valid_until").items():
            renewed.membership_renewed_until = valid_until
        invoices._b2b_membership_send_renewal()
        return invoices

    # Actions -----------------------------------------------------------------

    def action_view_membership_documents(self):
        self.ensure_one()
        if self.membership_order_ids and not self.membership_move_ids:
            action = self.env["ir.actions.act_window"]._for_xml_id("sale.action_orders")
            action["domain"] = [("b2b_membership_card_id", "=", self.id)]
        else:
            action = self.env["ir.actions.act_window"]._for_xml_id(
                "account.action_move_out_invoice_type"
            )
            action["domain"] = [("b2b_membership_card_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
