from contextlib import contextmanager

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .test_summary_common import LoyaltySummaryCommon

NBSP = "\N{NO-BREAK SPACE}"


@tagged("post_install", "-at_install")
class TestSaleOrderBrackets(LoyaltySummaryCommon):
    """Discount programs by order size: from 10,000.00 of eligible products
    (untaxed, before the card's discount, in the company's USD) 3 %, from
    50,000.00 5 %, below that the program's own discount (0 here)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program_large = cls.Program.create(
            {
                "name": "Large orders",
                "program_type": "discount",
                "discount_basis": "order_size",
                "discount_percent": 0.0,
                "order_bracket_ids": [
                    Command.create({"min_amount": 10000.0, "discount_percent": 3.0}),
                    Command.create({"min_amount": 50000.0, "discount_percent": 5.0}),
                ],
            }
        )

    def _order_of(self, *prices, **vals):
        """A quotation of one drill line per unit price in ``prices``."""
        return self.SaleOrder.create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product_drill.id, "price_unit": price}
                    )
                    for price in prices
                ],
                **vals,
            }
        )

    @contextmanager
    def _assert_invalid(self, message):
        # assertRaises (not assertRaisesRegex) rolls the failed write back.
        with self.assertRaises(ValidationError) as caught:
            yield
        self.assertIn(message, str(caught.exception))

    def _assert_lines(self, order, percent, subtotals):
        self.assertRecordValues(
            order.order_line,
            [
                {
                    "b2b_discount": percent,
                    "discount": percent,
                    "b2b_has_manual_discount": False,
                    "price_subtotal": subtotal,
                }
                for subtotal in subtotals
            ],
        )
        self.assertEqual(order.b2b_discount_percent, percent)

    # Programs ----------------------------------------------------------------

    def test_benefit_labels(self):
        card = self._create_card(self.program_large)
        label = f"3 % from ${NBSP}10,000.00, 5 % from ${NBSP}50,000.00"
        self.assertEqual(self.program_large.benefit_summary, label)
        self.assertEqual(card.benefit_label, label)
        self.assertEqual(card.display_name, f"Large orders · {label} ({card.name})")
        self.program_large.discount_percent = 2.0
        self.assertEqual(self.program_large.benefit_summary, f"2 %, {label}")
        # A fixed percentage again: the brackets are kept, not used.
        self.program_large.discount_basis = "fixed"
        self.assertEqual(self.program_large.benefit_summary, "2 %")
        self.assertEqual(card.benefit_label, "2 %")

    def test_basis_follows_the_program_type(self):
        self.assertEqual(self.program_discount.discount_basis, "fixed")
        program = self.Program.create({"name": "Tiers", "program_type": "accumulative"})
        self.assertEqual(program.discount_basis, "fixed")

    def test_validation_errors(self):
        cases = [
            (
                {"min_amount": 20000.0, "discount_percent": 0.0},
                "must be above 0 and at most 100%",
            ),
            (
                {"min_amount": 20000.0, "discount_percent": 100.5},
                "must be above 0 and at most 100%",
            ),
            ({"min_amount": 0.0, "discount_percent": 4.0}, "must be above zero"),
            ({"min_amount": -5.0, "discount_percent": 4.0}, "must be above zero"),
            (
                {"min_amount": 10000.001, "discount_percent": 4.0},
                "start at the same order amount",
            ),
            (
                {"min_amount": 20000.0, "discount_percent": 2.0},
                "a larger order must never get a lower discount",
            ),
        ]
        for vals, message in cases:
            with self.subTest(vals=vals), self._assert_invalid(message):
                self.env["loyalty.b2b.order.bracket"].create(
                    {"program_id": self.program_large.id, **vals}
                )
        # Below the first bracket the program's own discount applies: it may
        # not be more than the first bracket gives.
        with self._assert_invalid("lower discount"):
            self.program_large.discount_percent = 4.0
        with self._assert_invalid("Only discount programs"):
            self.env["loyalty.b2b.order.bracket"].create(
                {
                    "program_id": self.program_accumulative.id,
                    "min_amount": 100.0,
                    "discount_percent": 1.0,
                }
            )
        with self._assert_invalid("add at least one bracket"):
            self.program_discount.discount_basis = "order_size"
        with self._assert_invalid("Only discount programs"):
            self.program_large.program_type = "accumulative"
        # A non-number gives a clear error too.
        with self._assert_invalid("must be a number"):
            self.env["loyalty.b2b.order.bracket"].create(
                {
                    "program_id": self.program_large.id,
                    "min_amount": "lots",
                    "discount_percent": 1.0,
                }
            )

    # Quotations ---------------------------------------------------------------

    def test_brackets_at_their_edges(self):
        self._create_card(self.program_large)
        self._assert_lines(self._order_of(9999.99), 0.0, [9999.99])
        self._assert_lines(self._order_of(10000.0), 3.0, [9700.0])
        self._assert_lines(self._order_of(49999.99), 3.0, [48499.99])
        self._assert_lines(self._order_of(50000.0), 5.0, [47500.0])
        # Several lines add up: 6,000.00 + 4,000.00 is exactly 10,000.00.
        self._assert_lines(self._order_of(6000.0, 4000.0), 3.0, [5820.0, 3880.0])
        # The program's own discount below the first bracket.
        self.program_large.discount_percent = 2.0
        self._assert_lines(self._order_of(9999.99), 2.0, [9799.99])

    def test_only_eligible_lines_count(self):
        """Paper is no tool: it neither counts for the order's size nor gets
        the discount; sections and notes neither."""
        self.program_large.product_category_ids = self.categ_tools
        self._create_card(self.program_large)
        order = self._create_order(
            lines=[(self.product_drill, 9.0), (self.product_paper, 20.0)]
        )
        order.order_line = [
            Command.create({"display_type": "line_section", "name": "Extras"})
        ]
        drill, paper, section = order.order_line
        self.assertEqual((drill.b2b_discount, paper.b2b_discount), (0.0, 0.0))
        self.assertEqual(order.amount_untaxed, 11000.0)
        drill.product_uom_qty = 10.0
        self.assertEqual((drill.b2b_discount, drill.price_subtotal), (3.0, 9700.0))
        self.assertEqual((paper.b2b_discount, paper.price_subtotal), (0.0, 2000.0))
        self.assertEqual(section.discount, 0.0)

    def test_recomputed_as_lines_change_in_the_form(self):
        self._enable_line_discounts()
        card = self._create_card(self.program_large)
        with Form(self.SaleOrder) as order_form:
            order_form.partner_id = self.customer
            self.assertEqual(order_form.b2b_card_id, card)
            with order_form.order_line.new() as line:
                line.product_id = self.product_drill
                line.product_uom_qty = 9.0
                self.assertEqual(line.discount, 0.0)
                self.assertEqual(line.price_subtotal, 9000.0)
            # A line added: 10,000.00, both lines get 3 %.
            with order_form.order_line.new() as line:
                line.product_id = self.product_paper
                line.product_uom_qty = 10.0
                self.assertEqual(line.discount, 3.0)
            with order_form.order_line.edit(0) as line:
                self.assertEqual(line.discount, 3.0)
                self.assertEqual(line.price_subtotal, 8730.0)
                # A quantity changed: 50,000.00, 5 %.
                line.product_uom_qty = 49.0
            with order_form.order_line.edit(0) as line:
                self.assertEqual(line.price_subtotal, 46550.0)
            with order_form.order_line.edit(1) as line:
                self.assertEqual(line.discount, 5.0)
                self.assertEqual(line.price_subtotal, 950.0)
            self.assertEqual(order_form.b2b_discount_percent, 5.0)
            # A line removed: 49,000.00, back to 3 %.
            order_form.order_line.remove(1)
            with order_form.order_line.edit(0) as line:
                self.assertEqual(line.price_subtotal, 47530.0)
        order = order_form.record
        self._assert_lines(order, 3.0, [47530.0])
        self.assertEqual(order.order_line.b2b_technical_discount, 3.0)

    def test_recomputed_as_lines_are_written(self):
        self._create_card(self.program_large)
        order = self._create_order(
            lines=[(self.product_drill, 9.0), (self.product_paper, 9.0)]
        )
        self._assert_lines(order, 0.0, [9000.0, 900.0])
        order.order_line[1].product_uom_qty = 10.0
        self._assert_lines(order, 3.0, [8730.0, 970.0])
        order.order_line = [
            Command.create({"product_id": self.product_drill.id, "price_unit": 40000})
        ]
        self._assert_lines(order, 5.0, [8550.0, 950.0, 38000.0])
        order.order_line[2].price_unit = 39999.99
        self._assert_lines(order, 3.0, [8730.0, 970.0, 38799.99])
        order.order_line[2].unlink()
        self._assert_lines(order, 3.0, [8730.0, 970.0])
        order.order_line[0].unlink()
        self._assert_lines(order, 0.0, [1000.0])

    def test_manual_discount_stands(self):
        self._enable_line_discounts()
        self._create_card(self.program_large)
        order = self._create_order(lines=[(self.product_drill, 10.0)])
        self._assert_lines(order, 3.0, [9700.0])
        with Form(order) as order_form:
            with order_form.order_line.edit(0) as line:
                line.discount = 20.0
            # 40,000.00 of paper: 50,000.00, the other line gets 5 %; the
            # typed discount stands and the drill still counts.
            with order_form.order_line.new() as line:
                line.product_id = self.product_paper
                line.product_uom_qty = 400.0
        drill, paper = order.order_line
        self.assertRecordValues(
            drill,
            [
                {
                    "discount": 20.0,
                    "b2b_discount": 5.0,
                    "b2b_has_manual_discount": True,
                    "price_subtotal": 8000.0,
                }
            ],
        )
        self.assertRecordValues(
            paper,
            [{"discount": 5.0, "b2b_discount": 5.0, "price_subtotal": 38000.0}],
        )
        self.assertEqual(order.b2b_manual_discount_count, 1)
        order.action_b2b_apply_card_discount()
        self._assert_lines(order, 5.0, [9500.0, 38000.0])
        self.assertFalse(order.b2b_manual_discount_count)

    def test_best_card_on_the_order_and_combination(self):
        """A 4 % card beside the brackets: 20,000.00 takes the 4 % (3 % is
        less), 60,000.00 the 5 % of the brackets; combined, both apply."""
        program_4 = self.Program.create(
            {"name": "Dealer 4%", "program_type": "discount", "discount_percent": 4}
        )
        card_4 = self._create_card(program_4)
        card_large = self._create_card(self.program_large)
        small = self._order_of(20000.0)
        self.assertEqual(small.b2b_card_id, card_4)
        self._assert_lines(small, 4.0, [19200.0])
        self.assertEqual(
            small._b2b_get_card_effect_lines(card_large),
            [
                (
                    "3 % not applied: the discount of "
                    f"{card_4.name} applies (the programs do not combine)."
                ),
                f"Eligible amount for the order-size discount: ${NBSP}20,000.00.",
                f"${NBSP}30,000.00 more of eligible products gives 5 %.",
            ],
        )
        large = self._order_of(60000.0)
        self.assertEqual(large.b2b_card_id, card_large)
        self._assert_lines(large, 5.0, [57000.0])
        # Combined with the best card: 4 % then 3 % is 6.88 %.
        self.program_large.combine_discounts = True
        combined = self._order_of(20000.0)
        self.assertEqual(combined.b2b_card_id, card_4)
        self.assertEqual(combined._b2b_get_discount_cards(), card_4 | card_large)
        self.assertRecordValues(
            combined.order_line,
            [{"b2b_discount": 6.88, "discount": 6.88, "price_subtotal": 18624.0}],
        )
        self.assertEqual(combined.b2b_savings, 1376.0)
        # Below the first bracket the combining card adds nothing.
        below = self._order_of(9000.0)
        self.assertEqual(below._b2b_get_discount_cards(), card_4)
        self.assertEqual(below.order_line.discount, 4.0)

    def test_pricelist_in_another_currency(self):
        """Brackets are in the company's USD: at 2.00 EUR for 1.00 USD,
        19,999.98 EUR is 9,999.99 USD and 20,000.00 EUR is 10,000.00 USD."""
        eur = self._setup_eur()
        pricelist = self.env["product.pricelist"].create(
            {"name": "EUR", "currency_id": eur.id}
        )
        card = self._create_card(self.program_large)
        below = self._order_of(19999.98, pricelist_id=pricelist.id)
        self.assertEqual(below.currency_id, eur)
        self._assert_lines(below, 0.0, [19999.98])
        self.assertEqual(below._b2b_get_order_size_amount(card), 9999.99)
        order = self._order_of(20000.0, pricelist_id=pricelist.id)
        self._assert_lines(order, 3.0, [19400.0])
        self.assertEqual(order._b2b_get_order_size_amount(card), 10000.0)

    def test_pricelist_discount_counts_before_the_card(self):
        """A pricelist rule of 10 % off shown as a discount: 11,000.00 at list
        price is 9,900.00 after the pricelist, below the first bracket."""
        self._enable_line_discounts()
        card = self._create_card(self.program_large)
        pricelist = self._create_drill_pricelist(
            compute_price="percentage", percent_price=10.0
        )
        order = self._create_order(
            lines=[(self.product_drill, 11.0)], pricelist_id=pricelist.id
        )
        self.assertEqual(order._b2b_get_order_size_amount(card), 9900.0)
        self.assertRecordValues(
            order.order_line,
            [{"b2b_discount": 0.0, "discount": 10.0, "price_subtotal": 9900.0}],
        )
        # 12 drills: 10,800.00 after the pricelist, 3 % on top of its 10 %.
        order.order_line.product_uom_qty = 12.0
        self.assertRecordValues(
            order.order_line,
            [{"b2b_discount": 3.0, "discount": 12.7, "price_subtotal": 10476.0}],
        )

    def test_confirmed_order_keeps_its_percentage(self):
        card = self._create_card(self.program_large)
        order = self._create_order(lines=[(self.product_drill, 10.0)])
        order.action_confirm()
        self._assert_lines(order, 3.0, [9700.0])
        # More of it delivered and sold: still 3 %, as agreed.
        order.order_line.product_uom_qty = 60.0
        self.assertRecordValues(
            order.order_line,
            [{"b2b_discount": 3.0, "discount": 3.0, "price_subtotal": 58200.0}],
        )
        # The brackets changing later do not touch it either.
        self.program_large.order_bracket_ids[0].discount_percent = 4.0
        self.assertEqual(order.order_line.discount, 3.0)
        invoice = self._invoice(order)
        self.assertRecordValues(
            invoice.invoice_line_ids,
            [{"discount": 3.0, "b2b_discount": 3.0, "price_subtotal": 58200.0}],
        )
        # A new quotation gets the new 4 %.
        self._assert_lines(self._order_of(10000.0), 4.0, [9600.0])
        self.assertEqual(card.discount_percent, 0.0)

    # What the salesperson and the customer see ------------------------------

    def test_panel_and_printed_quotation(self):
        card = self._create_card(self.program_large)
        order = self._create_order(
            lines=[(self.product_drill, 10.0), (self.product_paper, 10.0)]
        )
        self.assertEqual(
            order._b2b_get_card_effect_lines(card),
            [
                "3 % discount on 2 line(s).",
                f"Eligible amount for the order-size discount: ${NBSP}11,000.00.",
                f"${NBSP}39,000.00 more of eligible products gives 5 %.",
            ],
        )
        self.assertIn("3 % discount on 2 line(s).", order.b2b_cards_panel)
        page = self._render(self.SALE_REPORT, order)
        self.assertEqual(self._card_discount_notes(page), ["incl. card 3.00 %"] * 2)
        self.assertEqual(
            self._blocks(page),
            [
                (
                    f"Loyalty card {card.name} (Large orders)",
                    {"b2b_savings": "Your savings $ 330.00"},
                )
            ],
        )
        # At the top bracket, nothing more to reach.
        order.order_line[1].product_uom_qty = 400.0
        self.assertEqual(
            order._b2b_get_card_effect_lines(card),
            [
                "5 % discount on 2 line(s).",
                f"Eligible amount for the order-size discount: ${NBSP}50,000.00.",
            ],
        )
        order.action_confirm()
        invoice = self._invoice(order)
        page = self._render(self.INVOICE_REPORT, invoice)
        self.assertEqual(self._card_discount_notes(page), ["incl. card 5.00 %"] * 2)

    def test_program_form(self):
        with Form(self.Program) as program_form:
            program_form.name = "Volume orders"
            program_form.program_type = "discount"
            program_form.discount_basis = "order_size"
            with program_form.order_bracket_ids.new() as bracket:
                bracket.min_amount = 10000.0
                bracket.discount_percent = 3.0
        program = program_form.record
        self.assertRecordValues(
            program.order_bracket_ids,
            [{"min_amount": 10000.0, "discount_percent": 3.0}],
        )
        self.assertEqual(program.benefit_summary, f"3 % from ${NBSP}10,000.00")
