import random
from collections import Counter
from datetime import date, datetime, timedelta

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import float_round

from .test_cashback_common import CashbackCommon

SEED = 20190115
STEPS = 150


@tagged("post_install", "-at_install")
class TestCashbackInvariant(CashbackCommon):
    """A long random, seeded, sequence of invoices, credit notes, redemptions,
    resets, cancellations, payments, unreconciliations, adjustments and
    expiries in two companies and two currencies, with sales orders spending
    cashback (invoiced at once, on delivery, two orders on one invoice) and the
    attempts the ledger guard refuses. After every step, for every company and
    program, the card ledger equals the credit balance of the liability
    account, no invoice is accrued twice, and no card goes below zero or
    commits more than it holds except through a clawback."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Company A: a second cashback program, on its own liability account,
        # so that an invoice can accrue on two cards. Company B earns when paid.
        liability_a2 = cls.liability_a.copy({"name": "Cashback payable (general)"})
        cls.program_a2 = cls.Program.create(
            {
                "name": "General cashback",
                "program_type": "cashback",
                "liability_account_id": liability_a2.id,
                "rebate_account_id": cls.rebate_a.id,
                "breakage_account_id": cls.breakage_a.id,
                "cashback_validity_months": 6,
                "tier_ids": [
                    Command.create(
                        {"name": "Base", "min_amount": 0, "cashback_percent": 1.5}
                    )
                ],
            }
        )
        cls.program_a.cashback_validity_months = 9
        cls.program_b.cashback_validity_months = 12
        cls.company_b.b2b_cashback_trigger = "paid"
        cls.Card.create(
            [
                {"program_id": cls.program_a2.id, "partner_id": cls.customer.id},
                {"program_id": cls.program_a.id, "partner_id": cls.other_customer.id},
                {"program_id": cls.program_b.id, "partner_id": cls.other_customer.id},
            ]
        )
        cls.programs = cls.program_a | cls.program_a2 | cls.program_b
        # Goods invoiced on delivery; orders in both currencies in both companies.
        cls.product_goods = cls._create_product(
            name="Pallet",
            type="consu",
            lst_price=400.0,
            invoice_policy="delivery",
            categ_id=cls.categ_tools.id,
        )
        cls.pricelists = {
            currency: cls.env["product.pricelist"].create(
                {
                    "name": currency.name,
                    "currency_id": currency.id,
                    "company_id": False,
                }
            )
            for currency in (cls.usd, cls.eur)
        }

    def setUp(self):
        super().setUp()
        self.rng = random.Random(SEED)
        self.today = date(2019, 1, 1)
        self.documents = self.env["account.move"]
        self.orders = self.env["sale.order"]
        self.report = self.env["loyalty.b2b.liability.report"]
        # What the sequence went through, beyond what the ledger shows.
        self.events = Counter()

    # Steps -------------------------------------------------------------------

    def _pick(self, documents):
        return self.rng.choice(documents.sorted("id")) if documents else None

    def _cashback_cards(self, partner, company):
        """The cashback cards of ``partner``'s company in ``company``."""
        return self.Card.search(
            [
                ("partner_id", "=", partner.commercial_partner_id.id),
                ("company_id", "=", company.id),
                ("program_id.program_type", "=", "cashback"),
            ],
            order="id",
        )

    def _cashback_state(self):
        """What every card holds and has committed: a refused step changes
        neither."""
        cards = self.Card.search([("program_id", "in", self.programs.ids)])
        return {
            card.id: (card.cashback_balance, card.cashback_committed) for card in cards
        }

    def _assert_refused(self, attempt, message):
        """``attempt`` raises a UserError matching ``message`` and, rolled back
        as a request would be, changes no card."""
        before = self._cashback_state()
        with self.assertRaisesRegex(UserError, message), self.env.cr.savepoint():
            attempt()
        self.env.invalidate_all()
        self.assertEqual(self._cashback_state(), before)

    def _invoiceable_orders(self):
        """Confirmed orders with goods or services to invoice (a redemption
        alone is never invoiced)."""
        return self.orders.filtered(
            lambda order: (
                order.state == "sale"
                and any(
                    line.qty_to_invoice > 0
                    for line in order.order_line
                    if not line.b2b_reward_kind and not line.display_type
                )
            )
        )

    def step_invoice(self):
        company = self.rng.choice([self.company, self.company_b])
        currency = self.rng.choice([self.usd, self.eur])
        partner = self.rng.choice([self.customer, self.contact, self.other_customer])
        products = [self.product_drill, self.product_paper, self.product_training]
        lines = [
            (
                self.rng.choice(products),
                self.rng.randint(1, 4),
                round(self.rng.uniform(10, 900), 2),
            )
            for _i in range(self.rng.randint(1, 3))
        ]
        redeem, card = 0.0, None
        if self.rng.random() < 0.3:
            card = self.Card.search(
                [
                    ("partner_id", "=", partner.commercial_partner_id.id),
                    ("company_id", "=", company.id),
                    ("program_id.program_type", "=", "cashback"),
                ],
                limit=1,
            )
        if card:
            # At most what the card has available, in the invoice's currency,
            # and what the invoice carries.
            available = card.currency_id._convert(
                max(card.cashback_available, 0.0),
                currency,
                company,
                self.today,
                round=False,
            )
            redeem = float_round(
                min(available, 30.0, sum(qty * price for _p, qty, price in lines)),
                precision_rounding=currency.rounding,
                rounding_method="DOWN",
            )
            if redeem <= 1:
                redeem, card = 0.0, None
        invoice = self._invoice(
            lines,
            partner=partner,
            company=company,
            currency=currency,
            date=self.today,
            redeem=redeem,
            redeem_card=card,
        )
        self.documents |= invoice
        return f"invoice {invoice.name} redeem={redeem}"

    def step_invoice_batch(self):
        """Several invoices posted at once: their cashback shares journal
        entries, which later resets cancel a part of."""
        company = self.rng.choice([self.company, self.company_b])
        invoices = self.env["account.move"]
        for _i in range(self.rng.randint(2, 4)):
            partner = self.rng.choice(
                [self.customer, self.contact, self.other_customer]
            )
            invoices |= self._invoice(
                [(self.product_drill, self.rng.randint(1, 3), 100.0)],
                partner=partner,
                company=company,
                date=self.today,
                post=False,
            )
        invoices.action_post()
        self.documents |= invoices
        names = ", ".join(invoices.mapped("name"))
        if self.rng.random() < 0.5:
            # A mistake noticed on one of them.
            reset = self.rng.choice(invoices)
            reset.button_draft()
            return f"batch {names}, {reset.name} reset"
        return f"batch {names}"

    def step_refund(self):
        invoice = self._pick(
            self.documents.filtered(
                lambda m: m.move_type == "out_invoice" and m.state == "posted"
            )
        )
        if not invoice:
            return "refund: nothing"
        quantities = None
        if self.rng.random() < 0.6:
            # Fewer goods; the cashback spent is given back whole.
            goods = invoice.invoice_line_ids.filtered(
                lambda line: not line.b2b_reward_kind
            )
            line = self.rng.choice(goods.sorted("id"))
            quantities = {line.product_id: max(line.quantity - 1, 1)}
        refund = self._refund(invoice, quantities, date=self.today, post=False)
        # As an accountant would: cashback an earlier credit note of the same
        # invoice gave back is not given back twice (the guard refuses it, see
        # step_refund_refused).
        given_back = self._live(
            invoice.reversal_move_ids.filtered(lambda m: m.state == "posted"),
            "redeem",
        ).card_id
        refund.invoice_line_ids.filtered(
            lambda line: line.b2b_reward_kind and line.b2b_card_id in given_back
        ).unlink()
        refund.action_post()
        self.documents |= refund
        return f"refund {refund.name} of {invoice.name} partial={bool(quantities)}"

    def step_reset(self):
        move = self._pick(self.documents.filtered(lambda m: m.state == "posted"))
        if not move:
            return "reset: nothing"
        move.button_draft()
        return f"reset {move.name}"

    def step_repost(self):
        move = self._pick(self.documents.filtered(lambda m: m.state == "draft"))
        if not move:
            return "repost: nothing"
        before = self._cashback_state()
        try:
            with self.env.cr.savepoint():
                move.action_post()
        except UserError:
            # While it was a draft, its card lost what it spends: refused,
            # nothing booked.
            self.env.invalidate_all()
            self.assertEqual(self._cashback_state(), before)
            self.assertTrue(self._cannot_pay(move), f"{move.name} was refused")
            self.events["refused repost"] += 1
            return f"repost {move.name} refused"
        return f"repost {move.name}"

    def _cannot_pay(self, move):
        """Does a card of the draft ``move``'s redemption lines lack what they
        spend? A hand-written line spends what is available, a line of an
        order what the order committed (lost only to a clawback), a credit
        note gives back what its invoice spent and no other gave back."""
        invoice = move.reversed_entry_id
        redeemed = self._live(invoice | invoice.reversal_move_ids, "redeem")
        for card, lines in move._b2b_cashback_lines().grouped("b2b_card_id").items():
            currency = card.currency_id
            if move.move_type == "out_refund":
                spent = -sum(
                    redeemed.filtered(lambda e, c=card: e.card_id == c).mapped("amount")
                )
                if currency.compare_amounts(-sum(lines.mapped("balance")), spent) > 0:
                    return True
                continue
            manual = lines.filtered(lambda line: not line.sale_line_ids)
            if (
                currency.compare_amounts(
                    sum(manual.mapped("balance")), card.cashback_available
                )
                > 0
                or currency.compare_amounts(
                    card.cashback_committed, card.cashback_balance
                )
                > 0
            ):
                return True
        return False

    def step_cancel(self):
        move = self._pick(self.documents.filtered(lambda m: m.state != "cancel"))
        if not move:
            return "cancel: nothing"
        move.button_cancel()
        return f"cancel {move.name}"

    def step_pay(self):
        invoice = self._pick(
            self.documents.filtered(
                lambda m: (
                    m.move_type == "out_invoice"
                    and m.state == "posted"
                    and m.payment_state in ("not_paid", "partial")
                )
            )
        )
        if not invoice:
            return "pay: nothing"
        self._pay(invoice, date=self.today)
        return f"pay {invoice.name}"

    def step_unreconcile(self):
        invoice = self._pick(
            self.documents.filtered(
                lambda m: (
                    m.move_type == "out_invoice"
                    and m.state == "posted"
                    and m.payment_state in ("paid", "in_payment", "partial")
                )
            )
        )
        if not invoice:
            return "unreconcile: nothing"
        receivable = invoice.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        receivable.matched_credit_ids.sorted("id")[:1].unlink()
        return f"unreconcile {invoice.name}"

    def step_adjust(self):
        card = self._pick(self.Card.search([("program_id", "in", self.programs.ids)]))
        amount = self.rng.choice([-1, 1]) * round(self.rng.uniform(1, 25), 2)
        balance = card.cashback_balance
        available = card.cashback_available
        wizard = self.env["loyalty.b2b.adjust.wizard"].with_company(card.company_id)
        try:
            # As a request: all or nothing.
            with self.env.cr.savepoint():
                wizard.create(
                    {
                        "card_id": card.id,
                        "amount": amount,
                        "reason": "Random",
                        "date": self.today,
                    }
                ).action_confirm()
        except UserError:
            # Taking back more than the card has available (its balance less
            # what confirmed orders committed) is refused, and books nothing.
            self.assertLess(available + amount, 0.0)
            self.env.invalidate_all()
            self.assertEqual(card.cashback_balance, balance)
            return f"adjust {card.name} {amount} refused"
        return f"adjust {card.name} {amount}"

    def step_year_later(self):
        self.today += timedelta(days=365)
        expired = self.Transaction._expire_cashback(
            self.Transaction._get_cashback_to_expire(self.today), self.today
        )
        return f"a year later, expire: {expired.mapped('amount')}"

    def step_expire(self):
        self.today += timedelta(days=self.rng.randint(15, 75))
        expired = self.Transaction._expire_cashback(
            self.Transaction._get_cashback_to_expire(self.today), self.today
        )
        return f"expire on {self.today}: {expired.mapped('amount')}"

    # Sales orders ----------------------------------------------------------

    def step_order(self):
        """A confirmed order spending (or not) cashback of one of the
        customer's cards, at most what the card has available."""
        company = self.rng.choice([self.company, self.company_b])
        currency = self.rng.choice([self.usd, self.eur])
        partner = self.rng.choice([self.customer, self.contact, self.other_customer])
        card = self._pick(self._cashback_cards(partner, company))
        order, amount = self._spending_order(company, currency, partner, card)
        return f"order {order.name} {card.name} cashback={amount}"

    def step_orders_on_two_cards(self):
        """Two orders of the customer of company A, one on each of its cards,
        on one invoice (of what was delivered): each card pays its own order's
        cashback."""
        currency = self.rng.choice([self.usd, self.eur])
        partner = self.rng.choice([self.customer, self.contact])
        orders = self.env["sale.order"]
        for card in self._cashback_cards(partner, self.company):
            orders |= self._spending_order(
                self.company, currency, partner, card, delivered=True
            )[0]
        return self._invoice_orders(orders)

    def _spending_order(self, company, currency, partner, card, delivered=False):
        products = [
            self.product_drill,
            self.product_paper,
            self.product_training,
            self.product_goods,
        ]
        order = (
            self.env["sale.order"]
            .with_company(company)
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "pricelist_id": self.pricelists[currency].id,
                    "date_order": datetime.combine(self.today, datetime.min.time()),
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.rng.choice(products).id,
                                "product_uom_qty": self.rng.randint(1, 4),
                                "price_unit": round(self.rng.uniform(10, 900), 2),
                            }
                        )
                        for _i in range(self.rng.randint(1, 2))
                    ],
                }
            )
        )
        order.b2b_card_id = card
        available = card.currency_id._convert(
            max(card.cashback_available, 0.0),
            currency,
            company,
            self.today,
            round=False,
        )
        # Often all that is available: the guard's edge.
        wanted = self.rng.choice([available, self.rng.uniform(5, 80)])
        amount = float_round(
            min(available, wanted, order.amount_total / 2),
            precision_rounding=currency.rounding,
            rounding_method="DOWN",
        )
        if amount > 1:
            order.b2b_apply_cashback(amount)
        else:
            amount = 0.0
        order.action_confirm()
        if delivered:
            # Part or all of the goods invoiced on delivery.
            for line in order.order_line.filtered(
                lambda line: line.product_id.invoice_policy == "delivery"
            ):
                line.qty_delivered = self.rng.randint(1, int(line.product_uom_qty))
        self.orders |= order
        return order, amount

    def step_deliver(self):
        line = self._pick(
            self.orders.filtered(
                lambda order: order.state == "sale"
            ).order_line.filtered(
                lambda line: (
                    line.product_id == self.product_goods
                    and line.qty_delivered < line.product_uom_qty
                )
            )
        )
        if not line:
            return "deliver: nothing"
        line.qty_delivered = self.rng.randint(
            int(line.qty_delivered) + 1, int(line.product_uom_qty)
        )
        return f"deliver {line.order_id.name} {line.qty_delivered}"

    def step_invoice_orders(self):
        """Invoice what an order delivered or sold, alone or with the
        customer's other orders to invoice."""
        invoiceable = self._invoiceable_orders()
        orders = self._pick(invoiceable)
        if not orders:
            return "invoice orders: nothing"
        if self.rng.random() < 0.6:
            # All the customer's orders at once: one invoice per currency.
            orders = invoiceable.filtered(
                lambda order: (
                    order.partner_invoice_id == orders.partner_invoice_id
                    and order.company_id == orders.company_id
                )
            )
        return self._invoice_orders(orders)

    def _invoice_orders(self, orders):
        before = self._cashback_state()
        names = ", ".join(orders.mapped("name"))
        try:
            with self.env.cr.savepoint():
                invoices = orders._create_invoices()
                invoices.invoice_date = self.today
                invoices.action_post()
        except UserError:
            # Only a card that lost to a clawback what its orders committed
            # cannot pay their invoice: refused, nothing booked.
            self.env.invalidate_all()
            self.assertEqual(self._cashback_state(), before)
            self.assertTrue(
                orders.b2b_card_id.filtered(
                    lambda card: (
                        card.currency_id.compare_amounts(
                            card.cashback_committed, card.cashback_balance
                        )
                        > 0
                    )
                ),
                f"the invoice of {names} was refused",
            )
            self.events["refused order invoice"] += 1
            return f"invoice orders {names} refused"
        self.documents |= invoices
        for invoice in invoices:
            if len(self._live(invoice, "redeem").card_id) > 1:
                self.events["invoice of two orders on two cards"] += 1
        partial = invoices.invoice_line_ids.filtered(
            lambda line: (
                line.b2b_reward_kind == "cashback"
                and line.quantity < line.sale_line_ids.product_uom_qty
            )
        )
        if partial:
            self.events["part of an order's cashback invoiced"] += 1
        return f"invoice orders {names}: {invoices.mapped('name')}"

    def step_cancel_order(self):
        """Cancelling a confirmed order not invoiced releases its commitment."""
        order = self._pick(
            self.orders.filtered(
                lambda order: (
                    order.state == "sale"
                    and not order.invoice_ids.filtered(lambda m: m.state != "cancel")
                )
            )
        )
        if not order:
            return "cancel order: nothing"
        card = order.b2b_card_id
        committed = card.cashback_committed
        spent = -sum(
            order.order_line.filtered(
                lambda line: line.b2b_reward_kind == "cashback"
            ).mapped("price_subtotal")
        )
        released = order.currency_id._convert(
            spent, card.currency_id, card.company_id, order.date_order
        )
        order._action_cancel()
        self.assertEqual(order.state, "cancel")
        self.assertAlmostEqual(
            card.cashback_committed, committed - released, delta=0.011
        )
        self.events["cancelled order"] += 1
        return f"cancel order {order.name} released={released}"

    # Refused attempts: each rolls back as a request would ----------------

    def step_change_card_refused(self):
        order = self._pick(
            self.orders.filtered(
                lambda order: order.state in ("sale", "cancel") and order.b2b_card_id
            )
        )
        if not order:
            return "change card: nothing"
        others = self._cashback_cards(order.partner_id, order.company_id)
        new_card = self.rng.choice([None, *(others - order.b2b_card_id)])
        card = order.b2b_card_id

        def attempt():
            order.b2b_card_id = new_card or False

        self._assert_refused(attempt, "cannot change")
        self.assertEqual(order.b2b_card_id, card)
        self.events["refused card change"] += 1
        return f"change card of {order.name} to {new_card and new_card.name} refused"

    def step_edit_refused(self):
        """What money depends on cannot change once money moved: a card's
        customer or program, a program's company, its liability account."""
        cards = self.Card.search(
            [("program_id", "in", self.programs.ids), ("transaction_ids", "!=", False)]
        )
        card = self._pick(cards)
        if not card:
            return "edit: nothing"
        program = card.program_id
        other_company = (self.company | self.company_b) - program.company_id
        choice = self.rng.choice(["customer", "program", "company", "liability"])
        if choice == "customer":
            other = (self.customer | self.other_customer) - card.partner_id
            self._assert_refused(
                lambda: card.write({"partner_id": other.id}), "no longer change"
            )
        elif choice == "program":
            other = self.programs - program
            self._assert_refused(
                lambda: card.write({"program_id": other[:1].id}), "no longer change"
            )
        elif choice == "company":
            self._assert_refused(
                lambda: program.write({"company_id": other_company.id}),
                "no longer",
            )
        else:
            liability = program.liability_account_id.copy(
                {"name": "Cashback payable (new)"}
            )
            self._assert_refused(
                lambda: program.write({"liability_account_id": liability.id}),
                "no longer change",
            )
        self.assertEqual(card.program_id, program)
        self.events["refused edit"] += 1
        return f"edit {choice} of {card.name} refused"

    def step_manual_redemption_refused(self):
        """An invoice line written by hand spending more than the card has
        available (its balance less what confirmed orders committed)."""
        company = self.rng.choice([self.company, self.company_b])
        currency = self.rng.choice([self.usd, self.eur])
        partner = self.rng.choice([self.customer, self.contact, self.other_customer])
        cards = self._cashback_cards(partner, company)
        named = self.rng.choice([None, *cards])
        # A line without card spends the customer's first cashback card.
        card = (
            named
            or cards.sorted(
                lambda card: (card.program_id.sequence, card.program_id.id)
            )[:1]
        )
        excess = max(card.cashback_available, 0.0) + round(self.rng.uniform(1, 40), 2)
        redeem = card.currency_id._convert(excess, currency, company, self.today)

        def attempt():
            self._invoice(
                [(self.product_paper, 1, round(2 * redeem + 10, 2))],
                partner=partner,
                company=company,
                currency=currency,
                date=self.today,
                redeem=redeem,
                redeem_card=named,
            )

        self._assert_refused(attempt, "available")
        self.events["refused manual redemption"] += 1
        return f"manual redemption {redeem} of {card.name} refused"

    def step_refund_refused(self):
        """A credit note giving back more cashback than its invoice spent (or
        any, when the invoice spent none)."""
        invoice = self._pick(
            self.documents.filtered(
                lambda m: m.move_type == "out_invoice" and m.state == "posted"
            )
        )
        if not invoice:
            return "refund refused: nothing"
        extra = round(self.rng.uniform(1, 40), 2)

        def attempt():
            refund = self._refund(invoice, date=self.today, post=False)
            redemption = refund.invoice_line_ids.filtered("b2b_reward_kind")
            if redemption:
                line = redemption.sorted("id")[0]
                line.price_unit -= extra
            else:
                card = self._pick(
                    self._cashback_cards(invoice.partner_id, invoice.company_id)
                )
                refund.invoice_line_ids = [
                    Command.create(
                        {
                            "product_id": self.redemption_product.id,
                            "quantity": 1,
                            "price_unit": -extra,
                            "tax_ids": [Command.clear()],
                            "b2b_reward_kind": "cashback",
                            "b2b_card_id": card.id,
                        }
                    )
                ]
            refund.action_post()

        self._assert_refused(attempt, "gives back")
        self.events["refused credit note"] += 1
        return f"credit note of {invoice.name} giving back {extra} more refused"

    # Invariants ----------------------------------------------------------------

    def _check_invariants(self, log):
        self.env.flush_all()
        for program in self.programs:
            self.assertAlmostEqual(
                self._ledger_sum(program),
                self._account_credit_balance(
                    program.liability_account_id, program.company_id
                ),
                places=2,
                msg=f"{program.name} after: {log}",
            )
        for card in self.Card.search([("program_id", "in", self.programs.ids)]):
            self.assertAlmostEqual(
                card.cashback_balance,
                sum(card.transaction_ids.mapped("amount")),
                places=2,
                msg=f"{card.name} after: {log}",
            )
            self._check_card_below_zero(card, log)
        live = [
            ("invoice_id", "!=", False),
            ("reversed_entry_id", "=", False),
            ("is_cancelled", "=", False),
        ]
        # No invoice accrued (or redeemed) twice on a card.
        for invoice, card, kind, count in self.Transaction._read_group(
            [*live, ("kind", "in", ("earn", "redeem"))],
            ["invoice_id", "card_id", "kind"],
            ["__count"],
        ):
            self.assertEqual(count, 1, f"{invoice.name} {card.name} {kind}: {log}")
        # A document that is not posted carries no live cashback.
        unposted = self.documents.filtered(lambda m: m.state != "posted")
        self.assertFalse(
            self.Transaction.search([*live, ("invoice_id", "in", unposted.ids)]),
            log,
        )
        # A posted invoice of company A carries its exact accrual on each card.
        invoices = self.documents.filtered(
            lambda m: (
                m.state == "posted"
                and m.move_type == "out_invoice"
                and m.company_id == self.company
            )
        )
        accrued = {
            (invoice, card): amount
            for invoice, card, amount in self.Transaction._read_group(
                [*live, ("invoice_id", "in", invoices.ids), ("kind", "=", "earn")],
                ["invoice_id", "card_id"],
                ["amount:sum"],
            )
        }
        for invoice, cards in invoices._b2b_get_earning_cards().items():
            for card in cards:
                expected = card.currency_id.round(
                    invoice._b2b_get_cashback_base(card.program_id)
                    * card.cashback_percent
                    / 100
                )
                self.assertAlmostEqual(
                    accrued.get((invoice, card), 0.0),
                    max(expected, 0.0),
                    places=2,
                    msg=log,
                )
        self.assertEqual(self.report._get_mismatches(), [], log)

    def _check_card_below_zero(self, card, log):
        """The guard's rule, from the card's ledger: an entry taking cashback
        away leaves the card at or above zero, except a clawback (a ``reverse``
        with a negative amount: cashback earned or granted, taken back)."""
        msg = f"{card.name} after: {log}"
        running = not_clawed_back = 0.0
        clawed_back = False
        for entry in card.transaction_ids.sorted("id"):
            running += entry.amount
            if entry.kind == "reverse" and entry.amount < 0:
                clawed_back = True
                continue
            not_clawed_back += entry.amount
            if entry.amount < 0:
                self.assertGreaterEqual(running, -0.005, f"{entry.kind}: {msg}")
        self.assertGreaterEqual(not_clawed_back, -0.005, msg)
        if card.cashback_balance < -0.005:
            self.assertTrue(clawed_back, msg)
        if not clawed_back:
            # Confirmed orders never commit more than the card holds.
            self.assertLessEqual(
                card.cashback_committed, card.cashback_balance + 0.005, msg
            )

    def test_random_sequence_keeps_the_ledger_reconciled(self):
        steps = [
            (self.step_invoice, 30),
            (self.step_invoice_batch, 6),
            (self.step_refund, 10),
            (self.step_reset, 10),
            (self.step_repost, 12),
            (self.step_cancel, 5),
            (self.step_pay, 12),
            (self.step_unreconcile, 6),
            (self.step_adjust, 5),
            (self.step_expire, 10),
            (self.step_order, 12),
            (self.step_deliver, 5),
            (self.step_invoice_orders, 10),
            (self.step_orders_on_two_cards, 4),
            (self.step_cancel_order, 3),
            (self.step_change_card_refused, 3),
            (self.step_manual_redemption_refused, 3),
            (self.step_refund_refused, 3),
            (self.step_edit_refused, 3),
        ]
        functions, weights = zip(*steps, strict=True)
        history = []
        for _i in range(STEPS):
            step = self.rng.choices(functions, weights)[0]
            history.append(step())
            self._check_invariants(" / ".join(history[-5:]))
        # Closing: each attempt the guard refuses once more, then a year later
        # what is left expires.
        for step in (
            self.step_change_card_refused,
            self.step_manual_redemption_refused,
            self.step_refund_refused,
            self.step_edit_refused,
            self.step_year_later,
        ):
            history.append(step())
            self._check_invariants(" / ".join(history[-5:]))
        kinds = set(self.Transaction.search([]).mapped("kind"))
        # The sequence went through every kind of entry.
        self.assertEqual(kinds, {"earn", "redeem", "reverse", "expire", "adjust"})
        self.assertTrue(self.documents.filtered(lambda m: m.state == "cancel"))
        self.assertTrue(self.documents.filtered(lambda m: m.move_type == "out_refund"))
        # Journal entries shared by a batch, part of which was cancelled alone.
        counter_moves = self.Transaction.search(
            [("kind", "=", "reverse"), ("reversed_entry_id.kind", "=", "earn")]
        ).move_id
        self.assertTrue(
            counter_moves.filtered(lambda move: not move.reversed_entry_id),
            "no part of a batch entry was cancelled",
        )
        # ... and every path the ledger guard closes.
        for event in (
            "invoice of two orders on two cards",
            "part of an order's cashback invoiced",
            "cancelled order",
            "refused card change",
            "refused manual redemption",
            "refused credit note",
            "refused edit",
        ):
            self.assertTrue(self.events[event], f"{event}: {self.events}")
        self.assertTrue(
            self.orders.order_line.filtered(
                lambda line: (
                    line.b2b_reward_kind == "cashback" and line.qty_invoiced_posted
                )
            ),
            "no order spent cashback on a posted invoice",
        )
