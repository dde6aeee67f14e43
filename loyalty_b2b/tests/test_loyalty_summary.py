from odoo.tests import tagged

from .test_summary_common import LoyaltySummaryCommon


@tagged("post_install", "-at_install")
class TestLoyaltySummary(LoyaltySummaryCommon):
    """The loyalty block of printed quotations and invoices."""

    def test_quotation_of_a_discount_card(self):
        card = self._create_card(self.program_discount)
        order = self._create_order(
            lines=[(self.product_drill, 1.0), (self.product_paper, 1.0)]
        )
        summary = order._b2b_get_loyalty_summary()
        self.assertEqual(len(summary), 1)
        self.assertEqual(
            {key: summary[0][key] for key in summary[0] if key != "card_currency"},
            {
                "card_id": card.id,
                "card_name": card.name,
                "program_name": "Dealer 10%",
                "program_type": "discount",
                "tier_name": False,
                "next_tier_text": False,
                "currency": order.currency_id,
                "savings": 110.0,
                "cashback_currency": order.currency_id,
                "cashback_spent": 0.0,
                "stamps_after": None,
                "stamps_required": 0,
            },
        )
        self.assertEqual(summary[0]["savings"], order.b2b_savings)
        page = self._render(self.SALE_REPORT, order)
        self.assertEqual(
            self._blocks(page),
            [
                (
                    f"Loyalty card {card.name} (Dealer 10%)",
                    {"b2b_savings": "Your savings $ 110.00"},
                )
            ],
        )
        self.assertEqual(self._card_discount_notes(page), ["incl. card 10.00 %"] * 2)

    def test_no_card_no_block(self):
        self._create_card(self.program_discount)
        order = self._create_order(self.other_customer)
        self.assertEqual(order._b2b_get_loyalty_summary(), [])
        page = self._render(self.SALE_REPORT, order)
        self.assertFalse(page.xpath("//div[@id='b2b_loyalty_summary']"))
        self.assertFalse(self._card_discount_notes(page))
        order.action_confirm()
        invoice = self._invoice(order)
        self.assertEqual(invoice._b2b_get_loyalty_summary(), [])
        page = self._render(self.INVOICE_REPORT, invoice)
        self.assertFalse(page.xpath("//div[@id='b2b_loyalty_summary']"))
        self.assertFalse(self._card_discount_notes(page))
        # Vendor bills say nothing of loyalty either.
        bill = self.init_invoice(
            "in_invoice", self.customer, products=self.product_drill
        )
        self.assertEqual(bill._b2b_get_loyalty_summary(), [])

    def test_manual_discount_is_not_the_cards(self):
        self._enable_line_discounts()
        self._create_card(self.program_discount)
        order = self._create_order(
            lines=[(self.product_drill, 1.0), (self.product_paper, 1.0)]
        )
        order.order_line[1].discount = 25.0
        self.assertEqual(order._b2b_get_loyalty_summary()[0]["savings"], 100.0)
        page = self._render(self.SALE_REPORT, order)
        self.assertEqual(self._card_discount_notes(page), ["incl. card 10.00 %"])
        order.action_confirm()
        invoice = self._invoice(order, post=False)
        self.assertEqual(invoice.invoice_line_ids.mapped("b2b_discount"), [10.0, 0.0])
        # A discount changed on the invoice is no longer the card's.
        invoice.invoice_line_ids[0].discount = 5.0
        invoice.action_post()
        self.assertEqual(invoice._b2b_get_loyalty_summary()[0]["savings"], 0.0)
        page = self._render(self.INVOICE_REPORT, invoice)
        self.assertFalse(self._card_discount_notes(page))
        self.assertFalse(self._blocks(page)[0][1])

    def test_tier_and_next_tier_hook(self):
        card = self._create_card(self.program_accumulative)
        next_tier = (
            "Spend $\xa010,000.00 more within the rolling 12 months to reach Gold: 7 %"
        )
        self.assertEqual(card._get_next_tier_text(), next_tier)
        order = self._create_order()
        [entry] = order._b2b_get_loyalty_summary()
        self.assertEqual(
            (entry["tier_name"], entry["savings"], entry["next_tier_text"]),
            ("Silver", 30.0, next_tier),
        )
        self.assertEqual(
            self._blocks(self._render(self.SALE_REPORT, order)),
            [
                (
                    f"Loyalty card {card.name} (Volume)",
                    {
                        "b2b_tier": "Tier Silver",
                        "b2b_savings": "Your savings $ 30.00",
                        "b2b_next_tier": next_tier.replace("\xa0", " "),
                    },
                )
            ],
        )
        # The top tier has no next tier to tell.
        card.spent_amount = 60000.0
        self.assertEqual(card._get_next_tier_text(), "Gold: 7 % is the top tier")

    def test_stamps_after_the_order(self):
        card = self._create_card(self.program_stamp)
        self._add_ledger(card, stamps=1)
        order = self._create_order()
        self.assertEqual(order._b2b_get_loyalty_summary()[0]["stamps_after"], 2)
        # Below the program's minimum (500.00): no stamp earned.
        small = self._create_order(lines=[(self.product_paper, 1.0)])
        self.assertEqual(small._b2b_get_loyalty_summary()[0]["stamps_after"], 1)
        order.action_confirm()
        self._create_order().action_confirm()
        self.assertEqual(card.stamp_count, 3)
        # The confirmed order tells what it left, not what came after it.
        self.assertEqual(
            self._blocks(self._render(self.SALE_REPORT, order)),
            [
                (
                    f"Loyalty card {card.name} (Stamps)",
                    {"b2b_stamps": "Stamps after this order 2 / 3"},
                )
            ],
        )
        # A reward spends the card's 3 stamps; the order earns one.
        reward_order = self._create_order()
        reward_order.action_b2b_add_stamp_reward()
        [entry] = reward_order._b2b_get_loyalty_summary()
        self.assertEqual(
            (entry["stamps_after"], entry["savings"]),
            (1, self.product_training.lst_price),
        )
        reward_order.action_confirm()
        self.assertEqual(reward_order._b2b_get_loyalty_summary()[0]["stamps_after"], 1)
        # A cancelled order moved no stamp: nothing is said.
        small.action_confirm()
        small._action_cancel()
        self.assertIsNone(small._b2b_get_loyalty_summary()[0]["stamps_after"])

    def test_invoice_of_a_discount_card(self):
        card = self._create_card(self.program_discount)
        order = self._create_order(
            lines=[(self.product_drill, 2.0), (self.product_paper, 1.0)]
        )
        order.action_confirm()
        invoice = self._invoice(order)
        self.assertEqual(invoice.invoice_line_ids.mapped("b2b_discount"), [10.0, 10.0])
        [entry] = invoice._b2b_get_loyalty_summary()
        self.assertEqual(
            (entry["card_id"], entry["savings"], entry["cashback_balance_after"]),
            (card.id, 210.0, None),
        )
        page = self._render(self.INVOICE_REPORT, invoice)
        self.assertEqual(
            self._blocks(page),
            [
                (
                    f"Loyalty card {card.name} (Dealer 10%)",
                    {"b2b_savings": "Your savings $ 210.00"},
                )
            ],
        )
        self.assertEqual(self._card_discount_notes(page), ["incl. card 10.00 %"] * 2)
        # The credit note states the card's discount it gives back.
        refund = invoice._reverse_moves()
        self.assertEqual(refund._b2b_get_loyalty_summary()[0]["savings"], 210.0)


@tagged("post_install", "-at_install")
class TestLoyaltySummaryCashback(LoyaltySummaryCommon):
    """Cashback on printed quotations, invoices and credit notes: a card holding
    100.00 whose tier gives 2 %."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls._create_card(cls.program_cashback)
        cls._add_ledger(cls.card, amount=100.0)

    def test_cashback_spent_earned_and_left(self):
        order = self._create_order()
        order.b2b_apply_cashback(30.0)
        [entry] = order._b2b_get_loyalty_summary()
        self.assertEqual(
            (entry["cashback_spent"], entry["tier_name"], entry["savings"]),
            (30.0, "Base", 0.0),
        )
        self.assertEqual(
            self._blocks(self._render(self.SALE_REPORT, order))[0][1],
            {
                "b2b_tier": "Tier Base",
                "b2b_cashback_spent": "Cashback spent $ 30.00",
                "b2b_next_tier": (
                    "Spend $ 5,000.00 more within the rolling 12 months to reach "
                    "Plus: 5 % cashback"
                ),
            },
        )
        order.action_confirm()
        invoice = self._invoice(order)
        # Cashback of the 1,000.00 drill, the redemption excluded: 20.00.
        self.assertEqual(self.card.cashback_balance, 90.0)
        # Later movements do not change what the invoice left.
        self._add_ledger(self.card, amount=50.0)
        [entry] = invoice._b2b_get_loyalty_summary()
        self.assertEqual(
            {
                key: entry[key]
                for key in (
                    "card_id",
                    "cashback_earned",
                    "cashback_spent",
                    "cashback_given_back",
                    "cashback_taken_back",
                    "cashback_balance_after",
                )
            },
            {
                "card_id": self.card.id,
                "cashback_earned": 20.0,
                "cashback_spent": 30.0,
                "cashback_given_back": 0.0,
                "cashback_taken_back": 0.0,
                "cashback_balance_after": 90.0,
            },
        )
        self.assertEqual(
            self._blocks(self._render(self.INVOICE_REPORT, invoice)),
            [
                (
                    f"Loyalty card {self.card.name} (Cashback)",
                    {
                        "b2b_tier": "Tier Base",
                        "b2b_cashback_spent": "Cashback spent $ 30.00",
                        "b2b_cashback_earned": "Cashback earned $ 20.00",
                        "b2b_cashback_balance_after": (
                            "Cashback balance after this document $ 90.00"
                        ),
                        # The invoice counts: 1,000.00 of the 5,000.00 spent.
                        "b2b_next_tier": (
                            "Spend $ 4,000.00 more within the rolling 12 months to "
                            "reach Plus: 5 % cashback"
                        ),
                    },
                )
            ],
        )
        refund = invoice._reverse_moves()
        refund.action_post()
        # 140.00, less the 20.00 earned, plus the 30.00 spent.
        self.assertEqual(self.card.cashback_balance, 150.0)
        self.assertEqual(
            self._blocks(self._render(self.INVOICE_REPORT, refund))[0][1],
            {
                "b2b_tier": "Tier Base",
                "b2b_cashback_given_back": "Cashback given back $ 30.00",
                "b2b_cashback_taken_back": "Cashback taken back $ 20.00",
                "b2b_cashback_balance_after": (
                    "Cashback balance after this document $ 150.00"
                ),
                # The credit note takes the invoice's spend back.
                "b2b_next_tier": (
                    "Spend $ 5,000.00 more within the rolling 12 months to reach "
                    "Plus: 5 % cashback"
                ),
            },
        )
        # A cancelled invoice's cashback no longer counts.
        refund.button_draft()
        refund.button_cancel()
        self.assertIsNone(
            refund._b2b_get_loyalty_summary()[0]["cashback_balance_after"]
        )

    def test_invoice_without_order(self):
        other_card = self._create_card(self.program_cashback, self.other_customer)
        invoice = self.init_invoice(
            "out_invoice", self.contact, products=self.product_drill, post=True
        )
        self.assertEqual(
            [entry["card_id"] for entry in invoice._b2b_get_loyalty_summary()],
            [self.card.id],
        )
        self.assertNotIn(
            other_card.name, self._render(self.INVOICE_REPORT, invoice).text_content()
        )
