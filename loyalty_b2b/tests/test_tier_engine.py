from freezegun import freeze_time

from odoo import Command, fields
from odoo.tests import tagged

from .common import LoyaltyB2bCommon


class TierCommon(LoyaltyB2bCommon):
    """Helpers to post customer documents quickly (ORM create, no form)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.History = cls.env["loyalty.b2b.tier.history"]
        cls.silver, cls.gold = cls.program_accumulative.tier_ids.sorted("min_amount")

    @classmethod
    def _document(
        cls,
        partner,
        date,
        amount=None,
        move_type="out_invoice",
        products=None,
        currency=None,
        post=True,
    ):
        """A customer invoice or credit note without taxes: one line of
        ``amount`` or one line per product (at its sales price)."""
        if products:
            lines = [
                Command.create(
                    {
                        "product_id": product.id,
                        "quantity": 1,
                        "tax_ids": [Command.clear()],
                    }
                )
                for product in products
            ]
        else:
            lines = [
                Command.create(
                    {
                        "name": "Goods",
                        "quantity": 1,
                        "price_unit": amount,
                        "tax_ids": [Command.clear()],
                    }
                )
            ]
        move = cls.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": date,
                "date": date,
                "currency_id": (currency or cls.company.currency_id).id,
                "invoice_line_ids": lines,
            }
        )
        if post:
            move.action_post()
        return move

    def _card(self, program=None, partner=None):
        return self.Card.create(
            {
                "program_id": (program or self.program_accumulative).id,
                "partner_id": (partner or self.customer).id,
            }
        )


@tagged("post_install", "-at_install")
class TestTierEngine(TierCommon):
    @freeze_time("2024-06-15")
    def test_window_edges(self):
        """12-month window on 2024-06-15: 2023-06-15 is out, 2023-06-16 in,
        today in; a document dated after today does not count yet."""
        card = self._card()
        self._document(self.customer, "2023-06-15", 1000.0)
        self.assertEqual(card.spent_amount, 0.0)
        self._document(self.customer, "2023-06-16", 2000.0)
        self.assertEqual(card.spent_amount, 2000.0)
        self._document(self.customer, "2024-06-15", 4000.0)
        self.assertEqual(card.spent_amount, 6000.0)
        self._document(self.customer, "2024-06-16", 8000.0)
        self.assertEqual(card.spent_amount, 6000.0)
        self.assertEqual(card.tier_id, self.silver)
        # The window ends today and starts after the same day 12 months ago.
        self.assertEqual(
            self.Card._get_spend_window(
                self.program_accumulative, fields.Date.to_date("2024-06-15")
            ),
            (fields.Date.to_date("2023-06-15"), fields.Date.to_date("2024-06-15")),
        )
        # All time (0 months): everything up to today.
        self.program_accumulative.spend_period_months = 0
        card._recompute_tiers()
        self.assertEqual(card.spent_amount, 7000.0)
        # Tomorrow, with 12 months again: 2023-06-16 has left, 2024-06-16 came in.
        self.program_accumulative.spend_period_months = 12
        with freeze_time("2024-06-16"):
            card._recompute_tiers()
        self.assertEqual(card.spent_amount, 12000.0)
        self.assertEqual(card.tier_id, self.gold)

    @freeze_time("2024-06-15")
    def test_month_end_window(self):
        """On 2024-02-29 a 1-month window starts after 2024-01-29."""
        self.program_accumulative.spend_period_months = 1
        card = self._card()
        self._document(self.customer, "2024-01-29", 100.0)
        self._document(self.customer, "2024-01-30", 200.0)
        card._recompute_tiers(date=fields.Date.to_date("2024-02-29"))
        self.assertEqual(card.spent_amount, 200.0)

    @freeze_time("2024-06-15")
    def test_credit_notes_reduce_spend(self):
        card = self._card()
        self._document(self.customer, "2024-05-01", 12000.0)
        self.assertEqual(card.tier_id, self.gold)
        self._document(self.customer, "2024-06-01", 2500.0, move_type="out_refund")
        self.assertEqual(card.spent_amount, 9500.0)
        self.assertEqual(card.tier_id, self.silver)
        self.assertEqual(card.discount_percent, 3)
        # Draft documents never count.
        self._document(self.customer, "2024-06-01", 5000.0, post=False)
        card._recompute_tiers()
        self.assertEqual(card.spent_amount, 9500.0)

    @freeze_time("2024-06-15")
    def test_contacts_count_for_their_company(self):
        card = self._card()
        other_card = self._card(partner=self.other_customer)
        self._document(self.contact, "2024-06-01", 6000.0)
        self._document(self.customer, "2024-06-02", 4000.0)
        self._document(self.other_customer, "2024-06-03", 500.0)
        self.assertEqual(card.spent_amount, 10000.0)
        self.assertEqual(card.tier_id, self.gold)
        self.assertEqual(other_card.spent_amount, 500.0)
        self.assertEqual(other_card.tier_id, self.silver)

    @freeze_time("2024-06-15")
    def test_other_company_documents_do_not_count(self):
        card = self._card()
        other_company = self._setup_second_company()["company"]
        move = (
            self.env["account.move"]
            .with_company(other_company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": "2024-06-01",
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Goods", "price_unit": 20000.0, "tax_ids": []}
                        )
                    ],
                }
            )
        )
        move.action_post()
        self.assertEqual(move.company_id, other_company)
        card._recompute_tiers()
        self.assertEqual(card.spent_amount, 0.0)

    @freeze_time("2024-06-15")
    def test_foreign_currency_counts_in_company_currency(self):
        currency = self._setup_eur()
        card = self._card()
        invoice = self._document(
            self.customer, "2024-06-01", 10000.0, currency=currency
        )
        self.assertEqual(invoice.amount_untaxed, 10000.0)
        self.assertEqual(invoice.amount_untaxed_signed, 5000.0)
        self.assertEqual(card.spent_amount, 5000.0)
        self.assertEqual(card.tier_id, self.silver)
        self._document(
            self.customer,
            "2024-06-02",
            1000.0,
            currency=currency,
            move_type="out_refund",
        )
        self.assertEqual(card.spent_amount, 4500.0)
        # Same with a category filter (line balances, company currency).
        self.program_accumulative.product_category_ids = self.categ_tools
        invoice = self._document(
            self.customer, "2024-06-03", products=self.product_drill, currency=currency
        )
        # The drill (1,000.00 in company currency) is sold 2,000.00 EUR.
        self.assertEqual(invoice.invoice_line_ids.price_subtotal, 2000.0)
        card._recompute_tiers()
        self.assertEqual(card.spent_amount, 1000.0)

    @freeze_time("2024-06-15")
    def test_category_filter(self):
        """Only lines of products under the program's categories count,
        children included."""
        self.program_accumulative.product_category_ids = self.categ_tools
        card = self._card()
        self._document(
            self.customer,
            "2024-06-01",
            products=self.product_drill + self.product_paper,
        )
        self.assertEqual(card.spent_amount, 1000.0)
        self._document(self.customer, "2024-06-02", 5000.0)  # no product
        self.assertEqual(card.spent_amount, 1000.0)
        self._document(
            self.customer,
            "2024-06-03",
            products=self.product_drill,
            move_type="out_refund",
        )
        self.assertEqual(card.spent_amount, 0.0)
        self.program_accumulative.product_category_ids = self.categ_other
        card._recompute_tiers()
        self.assertEqual(card.spent_amount, 100.0)

    def test_post_reset_cancel_refund_update_tier(self):
        with freeze_time("2024-06-15"):
            card = self._card()
            invoice = self._document(self.customer, "2024-06-01", 10000.0)
            self.assertEqual(card.tier_id, self.gold)
            invoice.button_draft()
            self.assertEqual(card.spent_amount, 0.0)
            self.assertEqual(card.tier_id, self.silver)
            invoice.action_post()
            self.assertEqual(card.tier_id, self.gold)
            invoice.button_cancel()
            self.assertEqual(card.tier_id, self.silver)
            invoice = self._document(self.customer, "2024-06-02", 10000.0)
            self.assertEqual(card.tier_id, self.gold)
            reversal = invoice._reverse_moves(
                [{"invoice_date": "2024-06-10", "date": "2024-06-10"}], cancel=True
            )
            self.assertEqual(reversal.state, "posted")
            self.assertEqual(card.spent_amount, 0.0)
            self.assertEqual(card.tier_id, self.silver)
        changes = card.tier_history_ids.sorted("id").mapped("change")
        self.assertEqual(
            changes,
            [
                "initial",
                "upgrade",
                "downgrade",
                "upgrade",
                "downgrade",
                "upgrade",
                "downgrade",
            ],
        )

    @freeze_time("2024-06-15")
    def test_initial_tier_from_past_spend(self):
        self._document(self.customer, "2024-03-01", 15000.0)
        card = self._card(partner=self.contact)
        self.assertEqual(card.spent_amount, 15000.0)
        self.assertEqual(card.tier_id, self.gold)
        self.assertEqual(card.discount_percent, 7)
        self.assertEqual(card.tier_reached_date, fields.Date.to_date("2024-06-15"))
        self.assertEqual(card.tier_history_ids.change, "initial")

    @freeze_time("2024-06-15")
    def test_cashback_program_has_tiers(self):
        base, plus = self.program_cashback.tier_ids.sorted("min_amount")
        card = self._card(program=self.program_cashback)
        self.assertEqual(card.tier_id, base)
        self._document(self.customer, "2024-06-01", 6000.0)
        self.assertEqual(card.spent_amount, 6000.0)
        self.assertEqual(card.tier_id, plus)
        self.assertEqual(card.cashback_percent, 5)

    @freeze_time("2024-06-15")
    def test_programs_without_tiers_are_left_alone(self):
        card = self._card(program=self.program_discount)
        stamp = self._card(program=self.program_stamp)
        self._document(self.customer, "2024-06-01", 20000.0)
        (card | stamp)._recompute_tiers()
        self.assertEqual(card.spent_amount, 0.0)
        self.assertFalse(card.tier_id)
        self.assertFalse(stamp.tier_id)
        self.assertEqual(card.discount_percent, 10)

    def test_hold_months(self):
        """A tier reached on 2024-01-10 with a 3-month hold cannot go down
        before 2024-04-10."""
        self.program_accumulative.tier_hold_months = 3
        with freeze_time("2024-01-10"):
            card = self._card()
            self._document(self.customer, "2024-01-10", 10000.0)
            self.assertEqual(card.tier_id, self.gold)
            self.assertEqual(card.tier_reached_date, fields.Date.to_date("2024-01-10"))
        with freeze_time("2024-02-01"):
            self._document(self.customer, "2024-02-01", 4000.0, move_type="out_refund")
            self.assertEqual(card.spent_amount, 6000.0)
            self.assertEqual(card.tier_id, self.gold, "held")
            self.assertEqual(card.discount_percent, 7)
        with freeze_time("2024-04-09"):
            self.Card._cron_recompute_tiers()
            self.assertEqual(card.tier_id, self.gold, "still held on the last day")
        with freeze_time("2024-04-10"):
            self.Card._cron_recompute_tiers()
            self.assertEqual(card.tier_id, self.silver)
            self.assertEqual(card.tier_reached_date, fields.Date.to_date("2024-04-10"))
            self.assertEqual(card.discount_percent, 3)
        downgrade = card.tier_history_ids.filtered(lambda h: h.change == "downgrade")
        self.assertEqual(downgrade.date, fields.Date.to_date("2024-04-10"))
        self.assertEqual(downgrade.spent_amount, 6000.0)
        # Upgrades are never held back.
        with freeze_time("2024-04-11"):
            self._document(self.customer, "2024-04-11", 4000.0)
            self.assertEqual(card.tier_id, self.gold)

    def test_hold_months_zero_follows_spend(self):
        with freeze_time("2024-01-10"):
            card = self._card()
            self._document(self.customer, "2024-01-10", 10000.0)
            self._document(self.customer, "2024-01-10", 1.0, move_type="out_refund")
            self.assertEqual(card.tier_id, self.silver)

    def test_downgrade_when_window_moves(self):
        with freeze_time("2023-06-20"):
            card = self._card()
            self._document(self.customer, "2023-06-20", 12000.0)
            self.assertEqual(card.tier_id, self.gold)
        with freeze_time("2024-06-19"):
            self.Card._cron_recompute_tiers()
            self.assertEqual(card.spent_amount, 12000.0)
            self.assertEqual(card.tier_id, self.gold)
        with freeze_time("2024-06-20"):
            self.Card._cron_recompute_tiers()
            self.assertEqual(card.spent_amount, 0.0)
            self.assertEqual(card.tier_id, self.silver)
            self.assertEqual(card.discount_percent, 3)
        last = card.tier_history_ids.sorted("id")[-1]
        self.assertRecordValues(
            last,
            [
                {
                    "date": fields.Date.to_date("2024-06-20"),
                    "old_tier_id": self.gold.id,
                    "new_tier_id": self.silver.id,
                    "change": "downgrade",
                    "spent_amount": 0.0,
                    "partner_id": self.customer.id,
                    "program_id": self.program_accumulative.id,
                    "company_id": self.company.id,
                }
            ],
        )

    @freeze_time("2024-06-15")
    def test_spend_written_through_orm_moves_tier(self):
        card = self._card()
        card.spent_amount = 10000.0
        self.assertEqual(card.tier_id, self.gold)
        self.assertEqual(card.tier_history_ids.sorted("id")[-1].change, "upgrade")
        card.spent_amount = 9999.99
        self.assertEqual(card.tier_id, self.silver)

    @freeze_time("2024-06-15")
    def test_tier_without_zero_threshold(self):
        """Below the lowest threshold a card has no tier; reaching it is an
        upgrade."""
        self.silver.min_amount = 1000.0
        card = self._card()
        self.assertFalse(card.tier_id)
        self.assertFalse(card.tier_history_ids)
        self._document(self.customer, "2024-06-01", 1000.0)
        self.assertEqual(card.tier_id, self.silver)
        self.assertEqual(card.tier_history_ids.change, "upgrade")
        self._document(self.customer, "2024-06-02", 0.01, move_type="out_refund")
        self.assertFalse(card.tier_id)
        self.assertEqual(card.discount_percent, 0)

    @freeze_time("2024-06-15")
    def test_query_count_independent_of_cards(self):
        """Recomputing 3 or 30 cards costs the same number of queries."""
        partners = self.env["res.partner"].create(
            [{"name": f"Customer {index}", "is_company": True} for index in range(30)]
        )
        cards = self.Card.create(
            [
                {"program_id": self.program_accumulative.id, "partner_id": partner.id}
                for partner in partners
            ]
        )
        moves = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": "2024-06-01",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Goods",
                                "price_unit": 100.0 + index,
                                "tax_ids": [],
                            }
                        )
                    ],
                }
                for index, partner in enumerate(partners)
            ]
        )
        moves.action_post()
        self.assertEqual(cards[5].spent_amount, 105.0)

        def count_queries(records):
            # The spend of every card changes (the documents leave the window),
            # none changes tier.
            self.env.invalidate_all()
            self.env.cr.execute(
                "UPDATE loyalty_b2b_card SET spent_amount = 1 WHERE id = ANY(%s)",
                [records.ids],
            )
            before = self.env.cr.sql_log_count
            records._recompute_tiers()
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        count_queries(cards[:3])  # warm the caches (access rules...)
        few = count_queries(cards[:3])
        many = count_queries(cards)
        self.assertEqual(few, many)
        # The ORM reads the changed cards' company (currency of the spend).
        self.assertLessEqual(many, 13)
        self.assertEqual(cards.mapped("spent_amount"), [100.0 + i for i in range(30)])
