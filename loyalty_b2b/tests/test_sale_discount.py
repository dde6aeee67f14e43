from odoo import Command, fields
from odoo.tests import Form, tagged

from .test_sale_common import LoyaltyB2bSaleCommon


@tagged("post_install", "-at_install")
class TestSaleDiscount(LoyaltyB2bSaleCommon):
    """Discount and accumulating discount cards on quotations, orders, invoices.

    The default sales tax of the test company is 15 %.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.product_drill_2 = cls._create_product(
            name="Drill XL", lst_price=500.0, categ_id=cls.categ_power_tools.id
        )

    def test_tax_of_the_test_company(self):
        self.assertEqual(self.tax_rate, 15.0)

    def _assert_discount_card_end_to_end(self, partner):
        card = self._create_card(self.program_discount)
        order = self._create_order(partner)
        self.assertEqual(order.b2b_card_id, card)
        self.assertRecordValues(
            order.order_line,
            [{"b2b_discount": 10.0, "discount": 10.0, "price_subtotal": 900.0}],
        )
        self.assertRecordValues(
            order,
            [
                {
                    "amount_untaxed": 900.0,
                    "amount_tax": 135.0,
                    "amount_total": 1035.0,
                    "b2b_savings": 100.0,
                    "b2b_discount_percent": 10.0,
                }
            ],
        )
        order.action_confirm()
        self.assertEqual(order.order_line.discount, 10.0)
        invoice = self._invoice(order)
        self.assertEqual(invoice.partner_id, partner)
        self.assertRecordValues(
            invoice,
            [{"amount_untaxed": 900.0, "amount_tax": 135.0, "amount_total": 1035.0}],
        )
        self.assertRecordValues(
            invoice.invoice_line_ids,
            [{"discount": 10.0, "price_unit": 1000.0, "price_subtotal": 900.0}],
        )

    def test_discount_card_order_by_the_company(self):
        self._assert_discount_card_end_to_end(self.customer)

    def test_discount_card_order_by_a_contact(self):
        self._assert_discount_card_end_to_end(self.contact)

    def test_accumulative_card_tier_discount(self):
        card = self._create_card(self.program_accumulative)
        card.write({"spent_amount": 12000.0})
        self.assertEqual(card.tier_id, self.gold)
        order = self._create_order(self.contact)
        self.assertEqual(order.b2b_card_id, card)
        self.assertEqual(order.b2b_tier_id, self.gold)
        self.assertEqual(order.order_line.discount, 7.0)
        self.assertEqual(order.amount_untaxed, 930.0)
        self.assertEqual(order.amount_total, 1069.5)
        self.assertEqual(order.b2b_savings, 70.0)
        order.action_confirm()
        invoice = self._invoice(order)
        self.assertRecordValues(
            invoice, [{"amount_untaxed": 930.0, "amount_total": 1069.5}]
        )
        # A lower tier gives a lower discount: Silver, 3 %.
        card.write({"spent_amount": 0.0})
        self.assertEqual(self._create_order().amount_untaxed, 970.0)
        # The confirmed order kept its 7 %, even for the drill the customer adds.
        self.assertEqual(order.amount_untaxed, 930.0)
        order.order_line.product_uom_qty = 2.0
        self.assertRecordValues(
            order.order_line, [{"b2b_discount": 7.0, "discount": 7.0}]
        )
        self.assertEqual(order.amount_untaxed, 1860.0)

    def test_only_eligible_lines(self):
        self.program_discount.product_category_ids = self.categ_tools
        self._create_card(self.program_discount)
        order = self._create_order(
            lines=[(self.product_drill, 1.0), (self.product_paper, 2.0)]
        )
        order.order_line = [
            Command.create({"display_type": "line_section", "name": "Extras"}),
            Command.create({"display_type": "line_note", "name": "Handle with care"}),
        ]
        drill, paper, section, note = order.order_line
        # Power tools is a child of the program's Tools category.
        self.assertEqual((drill.b2b_discount, drill.discount), (10.0, 10.0))
        self.assertEqual((paper.b2b_discount, paper.discount), (0.0, 0.0))
        self.assertEqual((section.discount, note.discount), (0.0, 0.0))
        self.assertEqual(order.amount_untaxed, 1100.0)
        self.assertEqual(order.b2b_savings, 100.0)

    def test_down_payment_line_not_discounted(self):
        self._create_card(self.program_discount)
        order = self._create_order()
        order.action_confirm()
        self.env["sale.advance.payment.inv"].with_context(
            active_model="sale.order", active_ids=order.ids
        ).create(
            {"advance_payment_method": "percentage", "amount": 50}
        ).create_invoices()
        down_payment = order.order_line.filtered(
            lambda line: line.is_downpayment and not line.display_type
        )
        self.assertEqual(len(down_payment), 1)
        self.assertEqual((down_payment.b2b_discount, down_payment.discount), (0.0, 0.0))
        self.assertEqual(order.order_line.filtered("product_id").discount, 10.0)
        self.assertEqual(order.invoice_ids.amount_untaxed, 450.0)

    def test_recomputed_when_quotation_changes(self):
        self._enable_line_discounts()
        card = self._create_card(self.program_discount)
        other_card = self._create_card(self.program_accumulative)
        other_card.write({"spent_amount": 12000.0})
        with Form(self.SaleOrder) as order_form:
            order_form.partner_id = self.contact
            self.assertEqual(order_form.b2b_card_id, card)
            with order_form.order_line.new() as line:
                line.product_id = self.product_drill
                self.assertEqual(line.discount, 10.0)
                line.product_uom_qty = 3.0
                line.price_unit = 800.0
                self.assertEqual(line.price_subtotal, 2160.0)
            # The salesperson picks the company's other card.
            order_form.b2b_card_id = other_card
            with order_form.order_line.edit(0) as line:
                self.assertEqual(line.price_subtotal, 2232.0)
            # Another customer, without a card: no discount.
            order_form.partner_id = self.other_customer
            self.assertFalse(order_form.b2b_card_id)
            with order_form.order_line.edit(0) as line:
                self.assertEqual(line.price_subtotal, 2400.0)
            order_form.partner_id = self.customer
        order = order_form.record
        self.assertEqual(order.b2b_card_id, card)
        self.assertRecordValues(
            order.order_line,
            [
                {
                    "discount": 10.0,
                    "b2b_discount": 10.0,
                    "b2b_technical_discount": 10.0,
                    "b2b_has_manual_discount": False,
                    "price_subtotal": 2160.0,
                }
            ],
        )

    def test_manual_discount_stands_and_is_shown(self):
        """Rule: a discount typed on a line stands instead of the card's, is
        flagged on the line and counted on the order, survives every later
        recomputation, and 'Apply Card Discount' gives the card's back."""
        self._enable_line_discounts()
        self._create_card(self.program_discount)
        gold_card = self._create_card(self.program_accumulative)
        gold_card.write({"spent_amount": 12000.0})
        with Form(self.SaleOrder) as order_form:
            order_form.partner_id = self.customer
            for product in (self.product_drill, self.product_drill_2):
                with order_form.order_line.new() as line:
                    line.product_id = product
        order = order_form.record
        drill, drill_2 = order.order_line
        self.assertEqual((drill.discount, drill_2.discount), (10.0, 10.0))
        self.assertFalse(order.b2b_manual_discount_count)

        with Form(order) as order_form, order_form.order_line.edit(0) as line:
            line.discount = 15.0
        self.assertRecordValues(
            drill, [{"discount": 15.0, "b2b_has_manual_discount": True}]
        )
        self.assertEqual(order.b2b_manual_discount_count, 1)
        self.assertEqual(order.amount_untaxed, 850.0 + 450.0)
        self.assertEqual(order.b2b_savings, 50.0)

        # Quantity, price and card changes keep the typed discount.
        with Form(order) as order_form:
            with order_form.order_line.edit(0) as line:
                line.product_uom_qty = 2.0
            order_form.b2b_card_id = gold_card
        self.assertEqual(drill.discount, 15.0)
        self.assertEqual(drill_2.discount, 7.0)
        self.assertEqual(drill.b2b_discount, 7.0)

        # A typed discount lower than the card's stands too, and is shown.
        with Form(order) as order_form, order_form.order_line.edit(1) as line:
            line.discount = 5.0
        self.assertEqual(drill_2.discount, 5.0)
        self.assertEqual(order.b2b_manual_discount_count, 2)
        self.assertFalse(order.b2b_savings)

        order.action_b2b_apply_card_discount()
        self.assertRecordValues(
            order.order_line,
            [
                {"discount": 7.0, "b2b_has_manual_discount": False},
                {"discount": 7.0, "b2b_has_manual_discount": False},
            ],
        )
        self.assertFalse(order.b2b_manual_discount_count)
        self.assertEqual(order.amount_untaxed, 1860.0 + 465.0)

        # A confirmed order keeps its discounts.
        drill.discount = 12.0
        order.action_confirm()
        invoice = self._invoice(order)
        self.assertEqual(invoice.invoice_line_ids.mapped("discount"), [12.0, 7.0])
        self.assertEqual(invoice.amount_untaxed, order.amount_untaxed)
        self.assertEqual(order.amount_untaxed, 1760.0 + 465.0)

    def test_discount_given_by_an_integration(self):
        self._create_card(self.program_discount)
        order = self.SaleOrder.create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create({"product_id": self.product_drill.id}),
                    Command.create(
                        {"product_id": self.product_drill.id, "discount": 0}
                    ),
                    Command.create(
                        {"product_id": self.product_drill.id, "discount": 10}
                    ),
                ],
            }
        )
        self.assertEqual(order.order_line.mapped("discount"), [10.0, 0.0, 10.0])
        self.assertEqual(
            order.order_line.mapped("b2b_has_manual_discount"), [False, True, False]
        )
        order.order_line.product_uom_qty = 2.0
        self.assertEqual(order.order_line.mapped("discount"), [10.0, 0.0, 10.0])

    def test_pricelist_discount_then_card_discount(self):
        self._enable_line_discounts()
        self._create_card(self.program_discount)
        pricelist = self._create_drill_pricelist(
            compute_price="percentage", percent_price=5.0
        )
        order = self._create_order(pricelist_id=pricelist.id)
        line = order.order_line
        # 1,000 - 5 % = 950, - 10 % = 855: 14.5 % in all.
        self.assertRecordValues(
            line,
            [{"price_unit": 1000.0, "discount": 14.5, "price_subtotal": 855.0}],
        )
        self.assertEqual(order.b2b_savings, 95.0)
        line.discount = 20.0
        order.action_update_prices()
        # Updating the prices resets every discount, as in sale: the card's back.
        self.assertRecordValues(
            line, [{"discount": 14.5, "b2b_has_manual_discount": False}]
        )
        line.product_uom_qty = 2.0
        self.assertEqual(line.discount, 14.5)
        self.assertEqual(order.amount_untaxed, 1710.0)

    def test_pricelist_change_on_a_quotation(self):
        self._create_card(self.program_discount)
        # The pricelist form field is for users of the "Pricelists" setting.
        self.env.ref("base.group_user").implied_ids |= self.env.ref(
            "product.group_product_pricelist"
        )
        pricelist = self._create_drill_pricelist(
            compute_price="fixed", fixed_price=800.0
        )
        order = self._create_order(
            lines=[(self.product_drill, 2.0), (self.product_paper, 1.0)]
        )
        self.assertEqual(order.amount_untaxed, 1890.0)
        with Form(order) as order_form:
            order_form.pricelist_id = pricelist
            self.assertTrue(order_form.show_update_pricelist)
        # As in sale, the prices wait for "Update Prices".
        self.assertEqual(order.order_line.mapped("price_unit"), [1000.0, 100.0])
        order.action_update_prices()
        # 2 x 800.00 - 10 % = 1,440.00; 100.00 - 10 % = 90.00.
        self.assertRecordValues(
            order.order_line,
            [
                {
                    "price_unit": 800.0,
                    "b2b_discount": 10.0,
                    "discount": 10.0,
                    "b2b_has_manual_discount": False,
                    "price_subtotal": 1440.0,
                },
                {
                    "price_unit": 100.0,
                    "b2b_discount": 10.0,
                    "discount": 10.0,
                    "b2b_has_manual_discount": False,
                    "price_subtotal": 90.0,
                },
            ],
        )
        self.assertRecordValues(
            order,
            [
                {
                    "pricelist_id": pricelist.id,
                    "amount_untaxed": 1530.0,
                    "amount_tax": 229.5,
                    "amount_total": 1759.5,
                    "b2b_savings": 170.0,
                }
            ],
        )
        order.action_confirm()
        invoice = self._invoice(order)
        self.assertRecordValues(
            invoice,
            [{"amount_untaxed": 1530.0, "amount_tax": 229.5, "amount_total": 1759.5}],
        )
        self.assertEqual(invoice.invoice_line_ids.mapped("discount"), [10.0, 10.0])

    def test_confirmed_order_keeps_its_discount(self):
        card = self._create_card(self.program_discount)
        order = self._create_order()
        order.action_confirm()
        # The program gives more after the confirmation: new quotations get it.
        self.program_discount.discount_percent = 25.0
        self.assertEqual(card.discount_percent, 25.0)
        self.assertEqual(self._create_order().amount_untaxed, 750.0)
        # The customer orders a second drill on the confirmed order.
        with Form(order) as order_form, order_form.order_line.edit(0) as line:
            line.product_uom_qty = 2.0
        self.assertRecordValues(
            order.order_line,
            [
                {
                    "product_uom_qty": 2.0,
                    "price_unit": 1000.0,
                    "b2b_discount": 10.0,
                    "discount": 10.0,
                    "price_subtotal": 1800.0,
                }
            ],
        )
        self.assertRecordValues(
            order,
            [
                {
                    "amount_untaxed": 1800.0,
                    "amount_tax": 270.0,
                    "amount_total": 2070.0,
                    "b2b_savings": 200.0,
                }
            ],
        )
        # So does a change made through the ORM.
        order.order_line.product_uom_qty = 3.0
        self.assertEqual(order.order_line.discount, 10.0)
        self.assertEqual(order.amount_untaxed, 2700.0)
        invoice = self._invoice(order)
        self.assertRecordValues(
            invoice,
            [{"amount_untaxed": 2700.0, "amount_tax": 405.0, "amount_total": 3105.0}],
        )
        self.assertRecordValues(
            invoice.invoice_line_ids,
            [
                {
                    "quantity": 3.0,
                    "price_unit": 1000.0,
                    "discount": 10.0,
                    "price_subtotal": 2700.0,
                }
            ],
        )

    def test_pricelist_in_another_currency(self):
        eur = self._setup_eur()
        pricelist = self.env["product.pricelist"].create(
            {"name": "EUR", "currency_id": eur.id}
        )
        self._create_card(self.program_discount)
        order = self._create_order(pricelist_id=pricelist.id)
        # 1,000.00 USD is 2,000.00 EUR today; the discount is applied in EUR.
        self.assertEqual(order.currency_id, eur)
        self.assertRecordValues(
            order,
            [{"amount_untaxed": 1800.0, "amount_total": 2070.0, "b2b_savings": 200.0}],
        )
        order.action_confirm()
        invoice = self._invoice(order)
        self.assertRecordValues(
            invoice,
            [
                {
                    "currency_id": eur.id,
                    "amount_untaxed": 1800.0,
                    "amount_total": 2070.0,
                    "amount_untaxed_signed": 900.0,
                }
            ],
        )

    def test_second_company(self):
        company_2_data = self._setup_second_company()
        company_2 = company_2_data["company"]
        # Loading its chart of accounts gave the products its own sales tax.
        tax_2 = company_2_data["default_tax_sale"]
        self.assertEqual(tax_2.amount, 15.0)
        program_2 = self.Program.with_company(company_2).create(
            {
                "name": "Dealer 20%",
                "program_type": "discount",
                "discount_percent": 20,
                "company_id": company_2.id,
            }
        )
        card_1 = self._create_card(self.program_discount)
        card_2 = self.Card.with_company(company_2).create(
            {"program_id": program_2.id, "partner_id": self.contact.id}
        )
        order = self._create_order(self.contact, company_id=company_2.id)
        order = order.with_company(company_2)
        self.assertEqual(order.b2b_card_id, card_2)
        # That company's card and tax: 1,000.00 - 20 % = 800.00, + 15 % tax.
        self.assertRecordValues(
            order.order_line,
            [{"tax_id": tax_2.ids, "discount": 20.0, "price_subtotal": 800.0}],
        )
        self.assertRecordValues(
            order,
            [
                {
                    "amount_untaxed": 800.0,
                    "amount_tax": 120.0,
                    "amount_total": 920.0,
                    "b2b_savings": 200.0,
                }
            ],
        )
        # The test company's order: its card and its 15 %.
        order_1 = self._create_order()
        self.assertEqual(order_1.b2b_card_id, card_1)
        self.assertRecordValues(
            order_1, [{"amount_untaxed": 900.0, "amount_total": 1035.0}]
        )
        order.action_confirm()
        invoice = self._invoice(order)
        self.assertRecordValues(
            invoice,
            [
                {
                    "company_id": company_2.id,
                    "state": "posted",
                    "amount_untaxed": 800.0,
                    "amount_tax": 120.0,
                    "amount_total": 920.0,
                }
            ],
        )
        self.assertRecordValues(
            invoice.invoice_line_ids,
            [
                {
                    "price_unit": 1000.0,
                    "discount": 20.0,
                    "tax_ids": tax_2.ids,
                    "price_subtotal": 800.0,
                }
            ],
        )

    def test_copy_applies_the_current_card(self):
        self._enable_line_discounts()
        card = self._create_card(self.program_accumulative)
        order = self._create_order(
            lines=[(self.product_drill, 1.0), (self.product_drill_2, 1.0)]
        )
        order.order_line[1].discount = 50.0
        self.assertEqual(order.order_line.mapped("discount"), [3.0, 50.0])
        card.write({"spent_amount": 12000.0})
        copy = order.copy()
        self.assertEqual(copy.b2b_card_id, card)
        self.assertEqual(copy.order_line.mapped("discount"), [7.0, 50.0])
        self.assertEqual(
            copy.order_line.mapped("b2b_has_manual_discount"), [False, True]
        )

    def test_accumulative_card_order_by_the_company(self):
        self._create_card(self.program_accumulative)
        order = self._create_order(self.customer)
        self.assertEqual(order.amount_untaxed, 970.0)
        order.action_confirm()
        invoice = self._invoice(order)
        self.assertRecordValues(
            invoice, [{"amount_untaxed": 970.0, "amount_total": 1115.5}]
        )
        self.assertEqual(invoice.invoice_line_ids.discount, 3.0)

    def test_accumulative_card_in_another_currency(self):
        # 2.00 EUR for 1.00 USD, the company's currency.
        eur = self._setup_eur()
        pricelist = self.env["product.pricelist"].create(
            {"name": "EUR", "currency_id": eur.id}
        )
        silver = self.program_accumulative.tier_ids.filtered(
            lambda tier: tier.name == "Silver"
        )
        card = self._create_card(self.program_accumulative)
        # 9,000.00 USD invoiced this year: Silver, 1,000.00 USD short of Gold.
        self.init_invoice(
            "out_invoice",
            partner=self.customer,
            invoice_date=fields.Date.context_today(card),
            amounts=[9000.0],
            post=True,
        )
        self.assertRecordValues(card, [{"spent_amount": 9000.0, "tier_id": silver.id}])
        order = self._create_order(self.contact, pricelist_id=pricelist.id)
        # 2,000.00 EUR - 3 % = 1,940.00 EUR, + 15 % tax.
        self.assertRecordValues(
            order,
            [
                {
                    "currency_id": eur.id,
                    "amount_untaxed": 1940.0,
                    "amount_total": 2231.0,
                    "b2b_savings": 60.0,
                }
            ],
        )
        order.action_confirm()
        invoice = self._invoice(order)
        self.assertRecordValues(
            invoice,
            [
                {
                    "currency_id": eur.id,
                    "amount_untaxed": 1940.0,
                    "amount_tax": 291.0,
                    "amount_total": 2231.0,
                    "amount_untaxed_signed": 970.0,
                    "amount_total_signed": 1115.5,
                }
            ],
        )
        # The spend counts the 1,940.00 EUR as 970.00 USD: 9,970.00, still Silver.
        self.assertRecordValues(card, [{"spent_amount": 9970.0, "tier_id": silver.id}])
        # Another 970.00 USD worth in EUR reaches Gold...
        second = self._create_order(pricelist_id=pricelist.id)
        second.action_confirm()
        self._invoice(second)
        self.assertRecordValues(
            card,
            [
                {
                    "spent_amount": 10940.0,
                    "tier_id": self.gold.id,
                    "discount_percent": 7.0,
                }
            ],
        )
        # ...whose 7 % the next quotation in EUR gets: 2,000.00 - 7 %.
        third = self._create_order(self.contact, pricelist_id=pricelist.id)
        self.assertRecordValues(
            third,
            [
                {
                    "b2b_tier_id": self.gold.id,
                    "amount_untaxed": 1860.0,
                    "amount_total": 2139.0,
                    "b2b_savings": 140.0,
                }
            ],
        )

    def test_accumulative_card_in_a_second_company(self):
        company_2_data = self._setup_second_company()
        company_2 = company_2_data["company"]
        # Loading its chart of accounts gave the products its own sales tax.
        tax_2 = company_2_data["default_tax_sale"]
        self.assertEqual(tax_2.amount, 15.0)
        program_2 = self.Program.with_company(company_2).create(
            {
                "name": "Volume 2",
                "program_type": "accumulative",
                "company_id": company_2.id,
                "tier_ids": [
                    Command.create(
                        {"name": "Start", "min_amount": 0, "discount_percent": 4}
                    ),
                ],
            }
        )
        card_2 = self.Card.with_company(company_2).create(
            {"program_id": program_2.id, "partner_id": self.customer.id}
        )
        card_1 = self._create_card(self.program_accumulative)
        silver = card_1.tier_id
        start = program_2.tier_ids
        order = self._create_order(self.contact, company_id=company_2.id)
        order = order.with_company(company_2)
        self.assertEqual(order.b2b_card_id, card_2)
        # 1,000.00 - 4 % = 960.00, + 15 % tax of that company.
        self.assertRecordValues(
            order,
            [
                {
                    "b2b_tier_id": start.id,
                    "b2b_discount_percent": 4.0,
                    "amount_untaxed": 960.0,
                    "amount_tax": 144.0,
                    "amount_total": 1104.0,
                    "b2b_savings": 40.0,
                }
            ],
        )
        self.assertEqual(order.order_line.tax_id, tax_2)
        order.action_confirm()
        invoice = self._invoice(order)
        self.assertRecordValues(
            invoice,
            [
                {
                    "company_id": company_2.id,
                    "state": "posted",
                    "amount_untaxed": 960.0,
                    "amount_tax": 144.0,
                    "amount_total": 1104.0,
                }
            ],
        )
        self.assertEqual(invoice.invoice_line_ids.discount, 4.0)
        # The invoice counts for that company's card only.
        self.assertRecordValues(
            card_2 | card_1,
            [
                {"spent_amount": 960.0, "tier_id": start.id},
                {"spent_amount": 0.0, "tier_id": silver.id},
            ],
        )
