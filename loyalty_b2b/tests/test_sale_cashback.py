from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .test_sale_common import LoyaltyB2bSaleCommon


@tagged("post_install", "-at_install")
class TestSaleCashback(LoyaltyB2bSaleCommon):
    """Spending cashback on quotations: a card holding 150.00."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls._create_card(cls.program_cashback)
        cls._add_ledger(cls.card, amount=150.0)
        cls.liability = cls.program_cashback.liability_account_id

    def _use_cashback(self, order, amount=None):
        """Through the wizard, as a salesperson does; ``None`` keeps its default."""
        action = order.action_b2b_open_cashback_wizard()
        wizard_form = Form(
            self.env[action["res_model"]].with_context(**action["context"])
        )
        if amount is not None:
            wizard_form.amount = amount
        wizard = wizard_form.save()
        wizard.action_apply()
        return wizard

    def _assert_end_to_end(self, partner):
        order = self._create_order(partner)
        self.assertEqual(order.b2b_card_id, self.card)
        self.assertRecordValues(
            order,
            [{"b2b_cashback_balance": 150.0, "b2b_cashback_available": 150.0}],
        )
        wizard = self._use_cashback(order)
        self.assertRecordValues(
            wizard,
            [{"available_amount": 150.0, "order_total": 1150.0, "amount": 150.0}],
        )
        redemption = order.order_line.filtered("b2b_reward_kind")
        self.assertRecordValues(
            redemption,
            [
                {
                    "b2b_reward_kind": "cashback",
                    "product_id": self.redemption_product.id,
                    "product_uom_qty": 1.0,
                    "price_unit": -150.0,
                    "price_subtotal": -150.0,
                    "tax_id": [],
                    "discount": 0.0,
                }
            ],
        )
        self.assertRecordValues(
            order,
            [{"amount_untaxed": 850.0, "amount_tax": 150.0, "amount_total": 1000.0}],
        )
        # A quotation commits nothing yet.
        self.assertEqual(self.card.cashback_available, 150.0)
        order.action_confirm()
        self.assertRecordValues(
            self.card,
            [
                {
                    "cashback_balance": 150.0,
                    "cashback_committed": 150.0,
                    "cashback_available": 0.0,
                }
            ],
        )
        invoice = self._invoice(order, post=False)
        self.assertRecordValues(
            invoice,
            [{"amount_untaxed": 850.0, "amount_tax": 150.0, "amount_total": 1000.0}],
        )
        redemption_line = invoice.invoice_line_ids.filtered("b2b_reward_kind")
        self.assertRecordValues(
            redemption_line,
            [
                {
                    "b2b_reward_kind": "cashback",
                    "account_id": self.liability.id,
                    "price_subtotal": -150.0,
                    "balance": 150.0,
                }
            ],
        )
        # A draft invoice still leaves the cashback committed.
        self.assertEqual(self.card.cashback_committed, 150.0)
        invoice.action_post()
        self.assertEqual(redemption_line.account_id, self.liability)
        self.assertEqual(self.card.cashback_committed, 0.0)
        redeem = self.Transaction.search(
            [("card_id", "=", self.card.id), ("kind", "=", "redeem")]
        )
        self.assertRecordValues(
            redeem,
            [{"amount": -150.0, "invoice_id": invoice.id, "move_id": invoice.id}],
        )
        # Posting earns the Base tier's 2 % of the invoice's eligible untaxed
        # amount: the 1,000.00 of the drill, not the redemption line.
        earn = self.Transaction.search(
            [("card_id", "=", self.card.id), ("kind", "=", "earn")]
        )
        self.assertRecordValues(
            earn,
            [
                {
                    "partner_id": self.customer.id,
                    "amount": 20.0,
                    "base_amount": 1000.0,
                    "invoice_id": invoice.id,
                    "date": invoice.date,
                    "is_cancelled": False,
                }
            ],
        )
        self.assertRecordValues(
            earn.move_id,
            [
                {
                    "state": "posted",
                    "b2b_cashback_kind": "earn",
                    "b2b_invoice_id": invoice.id,
                    "b2b_cashback_amount": 20.0,
                }
            ],
        )
        # The company bought 1,000.00: the cashback paid part of it, it does
        # not lower the spend that decides the tier.
        self.assertEqual(self.card.spent_amount, 1000.0)
        # 150.00 - 150.00 spent + 20.00 earned.
        self.assertRecordValues(
            self.card,
            [
                {
                    "cashback_balance": 20.0,
                    "cashback_committed": 0.0,
                    "cashback_available": 20.0,
                }
            ],
        )
        return order

    def test_cashback_end_to_end_order_by_the_company(self):
        self._assert_end_to_end(self.customer)

    def test_cashback_end_to_end_order_by_a_contact(self):
        self._assert_end_to_end(self.contact)

    def test_default_is_the_order_total_when_lower(self):
        order = self._create_order(lines=[(self.product_paper, 1.0)])
        wizard = self._use_cashback(order)
        self.assertEqual(wizard.amount, 115.0)
        self.assertEqual(order.amount_total, 0.0)

    def test_limits(self):
        order = self._create_order(lines=[(self.product_paper, 1.0)])
        with self.assertRaisesRegex(UserError, "exceeds the total"):
            order.b2b_apply_cashback(115.01)
        with self.assertRaisesRegex(UserError, "must be positive"):
            order.b2b_apply_cashback(0.0)
        big_order = self._create_order(lines=[(self.product_drill, 2.0)])
        with self.assertRaisesRegex(UserError, "only [^0-9]*150.00 is available"):
            big_order.b2b_apply_cashback(150.01)
        self.assertFalse(big_order.order_line.filtered("b2b_reward_kind"))
        # Applying again replaces the line.
        big_order.b2b_apply_cashback(50.0)
        big_order.b2b_apply_cashback(80.0)
        self.assertEqual(
            big_order.order_line.filtered("b2b_reward_kind").price_unit, -80.0
        )
        big_order.action_confirm()
        with self.assertRaisesRegex(UserError, "not one any more"):
            big_order.b2b_apply_cashback(10.0)
        other_order = self._create_order(self.other_customer)
        with self.assertRaisesRegex(UserError, "no active cashback card"):
            other_order.action_b2b_open_cashback_wizard()

    def test_committed_cashback_cannot_be_spent_twice(self):
        first, second = self._create_order(), self._create_order(self.contact)
        # Quotations may both plan to spend it...
        first.b2b_apply_cashback(100.0)
        second.b2b_apply_cashback(100.0)
        # ...the first confirmed commits it.
        first.action_confirm()
        self.assertEqual(self.card.cashback_available, 50.0)
        with self.assertRaisesRegex(UserError, "only [^0-9]*50.00 is available"):
            second.action_confirm()
        self.assertEqual(second.state, "draft")
        with self.assertRaisesRegex(UserError, "only [^0-9]*50.00 is available"):
            self._create_order().b2b_apply_cashback(60.0)
        # Both at once, for the balance of one.
        first._action_cancel()
        third = self._create_order()
        third.b2b_apply_cashback(100.0)
        with self.assertRaisesRegex(UserError, "cannot spend [^0-9]*200.00"):
            (second | third).action_confirm()
        # Cancelling releases the commitment.
        self.assertEqual(self.card.cashback_available, 150.0)
        second.action_confirm()
        self.assertEqual(self.card.cashback_available, 50.0)

    def test_redemption_more_than_the_order_total_at_confirmation(self):
        order = self._create_order()
        order.b2b_apply_cashback(150.0)
        order.order_line.filtered(
            lambda line: not line.b2b_reward_kind
        ).price_unit = 100
        with self.assertRaisesRegex(UserError, "exceeds its total"):
            order.action_confirm()

    def test_redemption_taxes_follow_the_product(self):
        self.redemption_product.taxes_id = self.tax_sale_a
        order = self._create_order()
        order.b2b_apply_cashback(115.0)
        self.assertEqual(
            order.order_line.filtered("b2b_reward_kind").tax_id, self.tax_sale_a
        )
        self.assertRecordValues(
            order,
            [{"amount_untaxed": 885.0, "amount_tax": 132.75, "amount_total": 1017.75}],
        )
        order.action_confirm()
        # The card pays the untaxed amount booked on the liability account.
        self.assertEqual(self.card.cashback_committed, 115.0)

    def test_redemption_line_never_discounted(self):
        """A cashback card discounts nothing (its tiers give cashback): the
        redemption line meets a card discount when the company's discount card
        is on the order too. The line keeps its price and takes none of that
        card's discount, whatever recomputes."""
        order = self._create_order()
        order.b2b_apply_cashback(150.0)
        drill, redemption = order.order_line
        # "Update Prices" on the cashback card's quotation: the redemption is
        # what the card pays, not the product's price.
        order.action_update_prices()
        self.assertRecordValues(redemption, [{"price_unit": -150.0, "discount": 0.0}])
        order.b2b_card_id = self._create_card(self.program_discount)
        # Recomputations afterwards: a new line, the card's discount applied
        # again to every line, the prices updated.
        order.order_line = [Command.create({"product_id": self.product_paper.id})]
        paper = order.order_line - drill - redemption
        order.action_b2b_apply_card_discount()
        order.action_update_prices()
        self.assertRecordValues(
            drill | paper | redemption,
            [
                *self.DRILL_AND_PAPER_AT_10_PERCENT,
                {
                    "price_unit": -150.0,
                    "b2b_discount": 0.0,
                    "discount": 0.0,
                    "b2b_has_manual_discount": False,
                    "price_subtotal": -150.0,
                },
            ],
        )
        # 900.00 + 90.00 - 150.00, taxes on the products only.
        self.assertRecordValues(
            order,
            [
                {
                    "amount_untaxed": 840.0,
                    "amount_tax": 148.5,
                    "amount_total": 988.5,
                    "b2b_savings": 110.0,
                }
            ],
        )
        # Both cards on one order: the discount card's discount, the cashback
        # card's cashback.
        order.action_confirm()
        self.assertEqual(self.card.cashback_committed, 150.0)

    def test_taxed_redemption_keeps_the_total_at_zero(self):
        """A redemption product bearing the 15 % tax: 100.00 of cashback takes
        the 115.00 of a paper order to zero, and no more is accepted."""
        self.redemption_product.taxes_id = self.tax_sale_a
        order = self._create_order(lines=[(self.product_paper, 1.0)])
        wizard = self._use_cashback(order)
        self.assertRecordValues(
            wizard,
            [
                {
                    "available_amount": 150.0,
                    "order_total": 115.0,
                    "usable_amount": 100.0,
                    "amount": 100.0,
                }
            ],
        )
        self.assertRecordValues(
            order, [{"amount_untaxed": 0.0, "amount_tax": 0.0, "amount_total": 0.0}]
        )
        with self.assertRaisesRegex(UserError, "at most [^0-9]*100.00 can be used"):
            order.b2b_apply_cashback(100.01)
        self.assertEqual(
            order.order_line.filtered("b2b_reward_kind").price_unit, -100.0
        )
        order.action_confirm()
        self.assertEqual(self.card.cashback_committed, 100.0)

    def test_redemption_taxes_mapped_by_the_fiscal_position(self):
        """A fiscal position taking the 15 % tax off: the whole total is usable."""
        fiscal_position = self.env["account.fiscal.position"].create(
            {
                "name": "Export",
                "tax_ids": [Command.create({"tax_src_id": self.tax_sale_a.id})],
            }
        )
        self.redemption_product.taxes_id = self.tax_sale_a
        order = self._create_order(
            lines=[(self.product_paper, 1.0)], fiscal_position_id=fiscal_position.id
        )
        self.assertEqual(order.amount_total, 100.0)
        wizard = self._use_cashback(order)
        self.assertRecordValues(
            wizard, [{"order_total": 100.0, "usable_amount": 100.0, "amount": 100.0}]
        )
        self.assertEqual(order.amount_total, 0.0)

    def test_pricelist_in_another_currency(self):
        eur = self._setup_eur()
        pricelist = self.env["product.pricelist"].create(
            {"name": "EUR", "currency_id": eur.id}
        )
        order = self._create_order(pricelist_id=pricelist.id)
        # 150.00 USD are 300.00 EUR today.
        wizard = self._use_cashback(order)
        self.assertRecordValues(
            wizard,
            [{"available_amount": 300.0, "order_total": 2300.0, "amount": 300.0}],
        )
        self.assertEqual(order.amount_total, 2000.0)
        order.action_confirm()
        self.assertEqual(self.card.cashback_committed, 150.0)
        invoice = self._invoice(order)
        self.assertRecordValues(
            invoice.invoice_line_ids.filtered("b2b_reward_kind"),
            [
                {
                    "account_id": self.liability.id,
                    "amount_currency": 300.0,
                    "balance": 150.0,
                }
            ],
        )
        self.assertRecordValues(
            invoice, [{"amount_total": 2000.0, "amount_total_signed": 1000.0}]
        )
        redeem = self.Transaction.search(
            [("card_id", "=", self.card.id), ("kind", "=", "redeem")]
        )
        self.assertEqual(redeem.amount, -150.0)

    def test_second_company(self):
        company_2_data = self._setup_second_company()
        company_2 = company_2_data["company"]
        # Loading its chart of accounts gave the products its own sales tax.
        tax_2 = company_2_data["default_tax_sale"]
        self.assertEqual(tax_2.amount, 15.0)
        program_2 = self.Program.with_company(company_2).create(
            {
                "name": "Cashback 2",
                "program_type": "cashback",
                "company_id": company_2.id,
                "tier_ids": [
                    Command.create(
                        {"name": "Base", "min_amount": 0, "cashback_percent": 1}
                    )
                ],
            }
        )
        card_2 = self.Card.with_company(company_2).create(
            {"program_id": program_2.id, "partner_id": self.customer.id}
        )
        self._add_ledger(card_2, amount=40.0)
        order = self._create_order(company_id=company_2.id).with_company(company_2)
        self.assertEqual(order.b2b_card_id, card_2)
        wizard = self._use_cashback(order)
        self.assertRecordValues(
            wizard,
            [{"available_amount": 40.0, "order_total": 1150.0, "amount": 40.0}],
        )
        drill, redemption = order.order_line
        self.assertEqual(
            (drill.tax_id, redemption.tax_id), (tax_2, self.env["account.tax"])
        )
        # 1,000.00 + 15 % tax of that company, - 40.00 untaxed.
        self.assertRecordValues(
            order,
            [{"amount_untaxed": 960.0, "amount_tax": 150.0, "amount_total": 1110.0}],
        )
        order.action_confirm()
        # The first company's card is untouched.
        self.assertEqual(self.card.cashback_available, 150.0)
        self.assertEqual(card_2.cashback_available, 0.0)
        invoice = self._invoice(order)
        self.assertRecordValues(
            invoice,
            [
                {
                    "company_id": company_2.id,
                    "state": "posted",
                    "amount_untaxed": 960.0,
                    "amount_tax": 150.0,
                    "amount_total": 1110.0,
                }
            ],
        )
        self.assertRecordValues(
            invoice.invoice_line_ids.filtered("b2b_reward_kind"),
            [{"account_id": program_2.liability_account_id.id, "balance": 40.0}],
        )
        entries = self.Transaction.search([("invoice_id", "=", invoice.id)])
        redeem = entries.filtered(lambda entry: entry.kind == "redeem")
        earn = entries - redeem
        self.assertRecordValues(
            redeem,
            [
                {
                    "card_id": card_2.id,
                    "company_id": company_2.id,
                    "currency_id": company_2.currency_id.id,
                    "amount": -40.0,
                    "move_id": invoice.id,
                }
            ],
        )
        # 1 % of that company's program on the 1,000.00 of the drill.
        self.assertRecordValues(
            earn,
            [
                {
                    "card_id": card_2.id,
                    "company_id": company_2.id,
                    "kind": "earn",
                    "amount": 10.0,
                    "base_amount": 1000.0,
                }
            ],
        )
        self.assertEqual(earn.move_id.company_id, company_2)
        # 40.00 - 40.00 spent + 10.00 earned; the first card keeps its 150.00.
        self.assertRecordValues(
            card_2, [{"cashback_balance": 10.0, "cashback_available": 10.0}]
        )
        self.assertEqual(self.card.cashback_balance, 150.0)

    def test_salesperson_spends_cashback(self):
        salesperson = self._new_salesperson()
        self.assertFalse(salesperson.has_group("loyalty_b2b.group_loyalty_b2b_manager"))
        order = self._create_order(user=salesperson)
        self.assertEqual(order.b2b_cashback_available, 150.0)
        wizard = self._use_cashback(order)
        self.assertEqual(wizard.amount, 150.0)
        order.action_confirm()
        self.assertEqual(order.amount_total, 1000.0)
        self.assertEqual(self.card.with_user(salesperson).cashback_available, 0.0)
        with self.assertRaisesRegex(UserError, "only [^0-9]*0.00 is available"):
            self._create_order(user=salesperson).b2b_apply_cashback(1.0)

    def test_program_without_redemption_product(self):
        self.program_cashback.cashback_redemption_product_id = False
        with self.assertRaisesRegex(UserError, "no redemption product"):
            self._create_order().b2b_apply_cashback(10.0)
