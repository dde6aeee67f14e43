import math

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .test_sale_common import LoyaltyB2bSaleCommon


@tagged("post_install", "-at_install")
class TestLedgerGuardSales(LoyaltyB2bSaleCommon):
    """The paths an outside attack found to spend what a card does not hold,
    or to put the card ledger out of step with the general ledger, each closed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls._create_card(cls.program_cashback)
        cls._add_ledger(cls.card, amount=300.0)
        cls.program_cashback_y = cls.Program.create(
            {
                "name": "Second cashback",
                "program_type": "cashback",
                "tier_ids": [
                    Command.create(
                        {"name": "Base", "min_amount": 0, "cashback_percent": 1}
                    )
                ],
            }
        )
        cls.card_y = cls._create_card(cls.program_cashback_y)
        cls._add_ledger(cls.card_y, amount=100.0)
        # Only spending is under test here: the invoices earn nothing.
        (cls.program_cashback | cls.program_cashback_y).tier_ids.cashback_percent = 0
        cls.liability = cls.program_cashback.liability_account_id
        cls.product_goods = cls._create_product(
            name="Pallet", type="consu", lst_price=1000.0, invoice_policy="delivery"
        )

    def _spending_order(self, card, amount, lines=None):
        order = self._create_order(lines=lines)
        order.b2b_card_id = card
        order.b2b_apply_cashback(amount)
        return order

    def _redeemed(self, card):
        return card.transaction_ids.filtered(lambda entry: entry.kind == "redeem")

    def _assert_ledger_matches_liability(self):
        cards = self.Card.search([("program_id.program_type", "=", "cashback")])
        for liability, account_cards in cards.grouped(
            lambda card: card.program_id.liability_account_id
        ).items():
            lines = self.env["account.move.line"].search(
                [("account_id", "=", liability.id), ("parent_state", "=", "posted")]
            )
            self.assertAlmostEqual(
                -sum(lines.mapped("balance")),
                sum(account_cards.mapped("cashback_balance")),
                msg=f"{liability.name}: the card ledger and the account differ",
            )
        self.assertEqual(self.env["loyalty.b2b.liability.report"]._get_mismatches(), [])

    # 1. A confirmed order keeps its card ------------------------------------

    def test_confirmed_order_keeps_its_card(self):
        order = self._spending_order(self.card, 240.0)
        order.action_confirm()
        self.assertEqual(self.card.cashback_committed, 240.0)
        for new_card in (self.env["loyalty.b2b.card"], self.card_y):
            with self.assertRaisesRegex(UserError, "cannot change"):
                order.b2b_card_id = new_card
        self.assertEqual(order.b2b_card_id, self.card)
        # The commitment stays: the same cashback cannot be spent again.
        self.assertEqual(self.card.cashback_available, 60.0)
        second = self._create_order()
        second.b2b_card_id = self.card
        with self.assertRaises(UserError):
            second.b2b_apply_cashback(240.0)
        invoice = self._invoice(order)
        self.assertEqual(self._redeemed(self.card).invoice_id, invoice)
        self.assertEqual(self.card.cashback_balance, 60.0)
        self._assert_ledger_matches_liability()

    def test_quotation_spending_another_card_is_not_confirmed(self):
        order = self._spending_order(self.card, 100.0)
        order.b2b_card_id = self.card_y
        # Both cards on the order: the redemption still spends X.
        self.assertEqual(order.b2b_card_ids, self.card | self.card_y)
        redemption = order.order_line.filtered("b2b_reward_kind")
        self.assertEqual(redemption.b2b_card_id, self.card)
        # Left out of the order, X takes its redemption along.
        order.b2b_card_ids -= self.card
        self.assertFalse(order.order_line.filtered("b2b_reward_kind"))
        # A redemption line of a card the order does not use is refused.
        order.order_line = [
            Command.create(
                {
                    "product_id": self.redemption_product.id,
                    "price_unit": -100.0,
                    "b2b_reward_kind": "cashback",
                    "b2b_card_id": self.card.id,
                }
            )
        ]
        with self.assertRaisesRegex(UserError, "do not match"):
            order.action_confirm()
        self.assertEqual(self.card.cashback_committed, 0.0)

    # 2. An invoice of several orders books each card's share -----------------

    def test_grouped_invoice_books_each_card(self):
        order_x = self._spending_order(self.card, 150.0)
        order_y = self._spending_order(self.card_y, 80.0)
        (order_x | order_y).action_confirm()
        invoice = self._invoice(order_x | order_y)
        self.assertEqual(len(invoice), 1)
        self.assertRecordValues(
            self._redeemed(self.card), [{"amount": -150.0, "invoice_id": invoice.id}]
        )
        self.assertRecordValues(
            self._redeemed(self.card_y), [{"amount": -80.0, "invoice_id": invoice.id}]
        )
        self.assertEqual(self.card.cashback_balance, 150.0)
        self.assertEqual(self.card_y.cashback_balance, 20.0)
        self._assert_ledger_matches_liability()
        # Reset to draft gives each card its own share back.
        invoice.button_draft()
        self.assertEqual(self.card.cashback_balance, 300.0)
        self.assertEqual(self.card_y.cashback_balance, 100.0)
        self._assert_ledger_matches_liability()

    # 3. Redemption written on an invoice is checked ------------------------

    def _manual_invoice(self, redemption, goods=6000.0, card=None):
        return self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_date": "2024-01-10",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_paper.id,
                            "price_unit": goods,
                            "tax_ids": [Command.clear()],
                        }
                    ),
                    Command.create(
                        {
                            "product_id": self.redemption_product.id,
                            "price_unit": -redemption,
                            "tax_ids": [Command.clear()],
                            "b2b_reward_kind": "cashback",
                            "b2b_card_id": card.id if card else False,
                        }
                    ),
                ],
            }
        )

    def test_invoice_redemption_beyond_the_card(self):
        invoice = self._manual_invoice(5000.0)
        with self.assertRaisesRegex(UserError, "available"):
            invoice.action_post()
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(self.card.cashback_balance, 300.0)
        # What a confirmed order committed is not available to a manual line.
        order = self._spending_order(self.card, 250.0)
        order.action_confirm()
        invoice = self._manual_invoice(100.0, card=self.card)
        with self.assertRaisesRegex(UserError, "available"):
            invoice.action_post()
        invoice.invoice_line_ids.filtered("b2b_reward_kind").price_unit = -50.0
        invoice.action_post()
        self.assertRecordValues(
            self._redeemed(self.card), [{"amount": -50.0, "invoice_id": invoice.id}]
        )
        self.assertEqual(
            invoice.invoice_line_ids.filtered("b2b_reward_kind").account_id,
            self.liability,
        )
        self._assert_ledger_matches_liability()

    def test_invoice_redemption_of_another_customers_card(self):
        other_card = self._create_card(self.program_cashback_y, self.other_customer)
        invoice = self._manual_invoice(10.0, card=other_card)
        with self.assertRaisesRegex(UserError, "not a cashback card of"):
            invoice.action_post()
        invoice = self._manual_invoice(10.0, card=self._create_card(self.program_stamp))
        with self.assertRaisesRegex(UserError, "not a cashback card of"):
            invoice.action_post()

    def test_invoice_redemption_beyond_the_invoice(self):
        invoice = self._manual_invoice(120.0, goods=100.0)
        with self.assertRaises(UserError):
            invoice.action_post()
        self.assertFalse(self._redeemed(self.card))

    # 4. Goods invoiced on delivery ----------------------------------------

    def test_delivery_invoiced_goods_spend_in_proportion(self):
        order = self._spending_order(
            self.card, 200.0, lines=[(self.product_goods, 4.0)]
        )
        order.order_line.filtered("product_id").tax_id = False
        order.action_confirm()
        # Nothing delivered: no invoice, and above all no credit note made of
        # the redemption line alone.
        with self.assertRaises(UserError):
            order._create_invoices()
        self.assertFalse(order.invoice_ids)
        self.assertFalse(self._redeemed(self.card))
        goods = order.order_line.filtered(lambda line: not line.b2b_reward_kind)
        goods.qty_delivered = 1.0
        first = self._invoice(order)
        self.assertEqual(first.move_type, "out_invoice")
        self.assertRecordValues(
            first.invoice_line_ids.sorted("sequence"),
            [
                {"quantity": 1.0, "price_subtotal": 1000.0},
                {"quantity": 0.25, "price_subtotal": -50.0},
            ],
        )
        goods.qty_delivered = 4.0
        second = self._invoice(order)
        self.assertRecordValues(
            second.invoice_line_ids.sorted("sequence"),
            [
                {"quantity": 3.0, "price_subtotal": 3000.0},
                {"quantity": 0.75, "price_subtotal": -150.0},
            ],
        )
        self.assertEqual(
            self._redeemed(self.card).sorted("id").mapped("amount"), [-50.0, -150.0]
        )
        self.assertEqual(self.card.cashback_balance, 100.0)
        self.assertEqual(self.card.cashback_committed, 0.0)
        self._assert_ledger_matches_liability()

    def test_delivery_invoiced_parts_add_up_to_the_cent(self):
        order = self._spending_order(
            self.card, 35.50, lines=[(self.product_goods, 3.0)]
        )
        order.order_line.filtered("product_id").tax_id = False
        order.action_confirm()
        goods = order.order_line.filtered(lambda line: not line.b2b_reward_kind)
        parts = []
        for delivered in (1.0, 2.0, 3.0):
            goods.qty_delivered = delivered
            invoice = self._invoice(order)
            parts.append(
                invoice.invoice_line_ids.filtered("b2b_reward_kind").price_subtotal
            )
            # What is left to invoice stays committed, to the cent.
            self.assertAlmostEqual(
                self.card.cashback_committed, round(35.50 + sum(parts), 2)
            )
        self.assertEqual(parts, [-11.72, -11.71, -12.07])
        self.assertEqual(self.card.cashback_balance, 264.50)
        self._assert_ledger_matches_liability()

    def test_invoice_of_redemption_alone_is_refused(self):
        order = self._spending_order(self.card, 100.0)
        order.action_confirm()
        redemption = order.order_line.filtered("b2b_reward_kind")
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_line_ids": [
                    Command.create(
                        redemption._prepare_invoice_line(quantity=1.0, price_unit=-10)
                    )
                ],
            }
        )
        with self.assertRaises(UserError):
            invoice.action_post()
        self.assertFalse(self._redeemed(self.card))

    # 5. Credit notes give back what was spent, no more ----------------------

    def test_credit_note_gives_back_what_was_spent(self):
        order = self._spending_order(self.card, 100.0)
        order.action_confirm()
        invoice = self._invoice(order)
        self.assertEqual(self.card.cashback_balance, 200.0)
        refund = invoice._reverse_moves()
        refund.invoice_line_ids.filtered("b2b_reward_kind").price_unit = -500.0
        with self.assertRaisesRegex(UserError, "gives back"):
            refund.action_post()
        refund.button_cancel()
        refund = invoice._reverse_moves()
        refund.action_post()
        self.assertEqual(self.card.cashback_balance, 300.0)
        # A second credit note of the same invoice has nothing left to give.
        again = invoice._reverse_moves()
        with self.assertRaisesRegex(UserError, "gives back"):
            again.action_post()
        self._assert_ledger_matches_liability()
        # A credit note refunding no invoice gives nothing back.
        lone = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.redemption_product.id,
                            "price_unit": -20.0,
                            "b2b_reward_kind": "cashback",
                        }
                    )
                ],
            }
        )
        with self.assertRaisesRegex(UserError, "gives back"):
            lone.action_post()
        self.assertEqual(self.card.cashback_balance, 300.0)

    # 7. Adjustments keep both ledgers in step ------------------------------

    def test_adjustment_against_the_liability_account_is_refused(self):
        wizard = Form(self.env["loyalty.b2b.adjust.wizard"])
        wizard.card_id = self.card
        wizard.amount = 50.0
        wizard.reason = "Gift"
        wizard.account_id = self.liability
        with self.assertRaises(ValidationError):
            wizard.save()
        with self.assertRaises(ValidationError):
            self.Transaction._adjust_cashback(
                self.card, 50.0, "Gift", account=self.liability
            )
        self.assertEqual(self.card.cashback_balance, 300.0)
        with self.assertRaisesRegex(UserError, "cannot spend"):
            self.Transaction._adjust_cashback(self.card, -300.01, "Too much")
        self._assert_ledger_matches_liability()

    def test_committed_cashback_is_neither_taken_back_nor_expired(self):
        """What confirmed orders committed is spent already: an adjustment
        cannot take it back, expiry does not take it."""
        order = self._spending_order(self.card, 240.0)
        order.action_confirm()
        self.assertEqual(self.card.cashback_available, 60.0)
        with self.assertRaisesRegex(UserError, "only [^0-9]*60.00 is available"):
            self.Transaction._adjust_cashback(self.card, -60.01, "Too much")
        self.program_cashback.cashback_validity_months = 6
        later = fields.Date.add(fields.Date.context_today(self.card), months=7)
        to_expire = self.Transaction._get_cashback_to_expire(later)
        self.assertEqual(to_expire[self.card], 60.0)
        self.Transaction._expire_cashback(to_expire, later)
        self.assertEqual(self.card.cashback_balance, 240.0)
        self._invoice(order)
        self.assertEqual(self.card.cashback_balance, 0.0)
        self._assert_ledger_matches_liability()

    # 11. Bad arguments get clear errors ------------------------------------

    def test_apply_cashback_rejects_what_is_not_an_amount(self):
        order = self._create_order()
        order.b2b_card_id = self.card
        for value in (math.nan, math.inf, -math.inf, "abc", None, [], {}, True):
            with self.subTest(value=value), self.assertRaises(UserError):
                order.b2b_apply_cashback(value)
        self.assertFalse(order.order_line.filtered("b2b_reward_kind"))

    # 10. A stamp already spent cannot be taken back -----------------------

    def test_cancelled_order_whose_stamp_was_spent(self):
        stamp_card = self._create_card(self.program_stamp)
        self._add_ledger(stamp_card, stamps=2, kind="stamp")
        earning = self._create_order(lines=[(self.product_drill, 1.0)])
        earning.b2b_card_id = stamp_card
        earning.action_confirm()
        self.assertEqual(stamp_card.stamp_count, 3)
        # Too small an order to earn a stamp itself.
        reward = self._create_order(lines=[(self.product_paper, 1.0)])
        reward.b2b_card_id = stamp_card
        reward.action_b2b_add_stamp_reward()
        reward.action_confirm()
        self.assertEqual(stamp_card.stamp_count, 0)
        with self.assertRaisesRegex(UserError, "cannot be cancelled"):
            earning._action_cancel()
        self.assertEqual(earning.state, "sale")
        self.assertEqual(stamp_card.stamp_count, 0)
        # Cancelling the reward first gives the stamps back; then the earning
        # order can go.
        reward._action_cancel()
        self.assertEqual(stamp_card.stamp_count, 3)
        earning._action_cancel()
        self.assertEqual(stamp_card.stamp_count, 2)
