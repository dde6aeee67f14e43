from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .test_tier_engine import TierCommon

NBSP = "\N{NO-BREAK SPACE}"


@tagged("post_install", "-at_install")
class TestNextTier(TierCommon):
    """The next tier of a card, the spend still missing in the window and how
    long a held tier is kept: consistent with the tier engine."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.platinum = cls.env["loyalty.b2b.tier"].create(
            {
                "program_id": cls.program_accumulative.id,
                "name": "Platinum",
                "min_amount": 25000,
                "discount_percent": 10,
            }
        )

    def _progress(self, card):
        """The card's next-tier fields, as read on the current (frozen) day."""
        card.invalidate_recordset()
        return {
            "tier": card.tier_id.name,
            "next": card.next_tier_id.name,
            "missing": card.next_tier_missing_amount,
            "message": card.next_tier_message,
            "kept_until": card.tier_kept_until,
            "hold": card.tier_hold_message,
        }

    @freeze_time("2024-06-15")
    def test_amount_and_sentence(self):
        card = self._card()
        self._document(self.customer, "2024-06-01", 8750.0)
        self.assertEqual(
            self._progress(card),
            {
                "tier": "Silver",
                "next": "Gold",
                "missing": 1250.0,
                "message": f"Spend ${NBSP}1,250.00 more within the rolling 12 "
                "months to reach Gold: 7 %",
                "kept_until": False,
                "hold": False,
            },
        )
        self.assertEqual(
            card.display_name, f"Volume · Silver 3 % ({card.name})", "same name"
        )
        self._document(self.customer, "2024-06-02", 1250.0)
        progress = self._progress(card)
        self.assertEqual(progress["tier"], "Gold")
        self.assertEqual(progress["next"], "Platinum")
        self.assertEqual(progress["missing"], 15000.0)
        self.assertEqual(
            progress["message"],
            f"Spend ${NBSP}15,000.00 more within the rolling 12 months to reach "
            "Platinum: 10 %",
        )
        # Cents count exactly.
        self._document(self.customer, "2024-06-03", 14999.99)
        self.assertEqual(self._progress(card)["missing"], 0.01)
        self._document(self.customer, "2024-06-04", 0.01)
        self.assertEqual(
            self._progress(card),
            {
                "tier": "Platinum",
                "next": False,
                "missing": 0.0,
                "message": "Platinum: 10 % is the top tier",
                "kept_until": False,
                "hold": False,
            },
        )

    def test_window_edge(self):
        """On 2024-06-15 the 12-month window starts after 2023-06-15: what is
        missing counts 2023-06-16 and not 2023-06-15; the next day, 2023-06-16
        has left the window too."""
        with freeze_time("2024-06-15"):
            card = self._card()
            self._document(self.customer, "2023-06-15", 5000.0)
            self._document(self.customer, "2023-06-16", 2000.0)
            self.Card._cron_recompute_tiers()
            progress = self._progress(card)
            self.assertEqual(progress["missing"], 8000.0)
            self.assertIn(
                f"${NBSP}8,000.00 more within the rolling 12", progress["message"]
            )
        with freeze_time("2024-06-16"):
            self.Card._cron_recompute_tiers()
            progress = self._progress(card)
            self.assertEqual(card.spent_amount, 0.0)
            self.assertEqual(progress["missing"], 10000.0)
            self.assertEqual(
                progress["message"],
                f"Spend ${NBSP}10,000.00 more within the rolling 12 months to "
                "reach Gold: 7 %",
            )

    @freeze_time("2024-06-15")
    def test_window_words(self):
        card = self._card()
        self._document(self.customer, "2020-01-01", 2000.0)
        self.program_accumulative.spend_period_months = 0
        self.Card._cron_recompute_tiers()
        self.assertEqual(
            self._progress(card)["message"],
            f"Spend ${NBSP}8,000.00 more to reach Gold: 7 %",
            "all time: no window words",
        )
        self.program_accumulative.spend_period_months = 1
        self.Card._cron_recompute_tiers()
        self.assertEqual(
            self._progress(card)["message"],
            f"Spend ${NBSP}10,000.00 more within the rolling month to reach Gold: 7 %",
        )

    def test_hold(self):
        """Gold reached on 2024-01-10 with a 3-month hold, the spend falls:
        kept through 2024-04-09, the card shows until when and what keeps it
        after; from 2024-04-10 it follows its spend."""
        self.program_accumulative.tier_hold_months = 3
        with freeze_time("2024-01-10"):
            card = self._card()
            self._document(self.customer, "2024-01-10", 10000.0)
            progress = self._progress(card)
            self.assertEqual(progress["tier"], "Gold")
            self.assertFalse(progress["kept_until"], "the spend keeps it")
            self.assertFalse(progress["hold"])
        with freeze_time("2024-02-01"):
            self._document(self.customer, "2024-02-01", 4000.0, move_type="out_refund")
            self.assertEqual(
                self._progress(card),
                {
                    "tier": "Gold",
                    # The tier above the one held, not above the spend.
                    "next": "Platinum",
                    "missing": 19000.0,
                    "message": f"Spend ${NBSP}19,000.00 more within the rolling "
                    "12 months to reach Platinum: 10 %",
                    "kept_until": fields.Date.to_date("2024-04-09"),
                    "hold": "Gold is kept until 04/09/2024 by the 3-month tier "
                    f"hold; to keep it after that, spend ${NBSP}4,000.00 more",
                },
            )
        with freeze_time("2024-04-09"):
            self.Card._cron_recompute_tiers()
            progress = self._progress(card)
            self.assertEqual(card.tier_id, self.gold, "the engine holds it too")
            self.assertEqual(progress["kept_until"], fields.Date.to_date("2024-04-09"))
            self.assertTrue(progress["hold"])
        with freeze_time("2024-04-10"):
            self.Card._cron_recompute_tiers()
            self.assertEqual(
                self._progress(card),
                {
                    "tier": "Silver",
                    "next": "Gold",
                    "missing": 4000.0,
                    "message": f"Spend ${NBSP}4,000.00 more within the rolling 12 "
                    "months to reach Gold: 7 %",
                    "kept_until": False,
                    "hold": False,
                },
            )

    def test_hold_over_before_the_nightly_run(self):
        """The day the hold ends, before the nightly run moves the card down,
        it no longer claims to be kept."""
        self.program_accumulative.tier_hold_months = 3
        with freeze_time("2024-01-10"):
            card = self._card()
            self._document(self.customer, "2024-01-10", 10000.0)
            self._document(self.customer, "2024-01-10", 4000.0, move_type="out_refund")
            self.assertEqual(
                self._progress(card)["kept_until"], fields.Date.to_date("2024-04-09")
            )
        with freeze_time("2024-04-10"):
            self.assertEqual(card.tier_id, self.gold)
            self.assertFalse(self._progress(card)["hold"])

    @freeze_time("2024-06-15")
    def test_no_progress_without_tiers_or_when_inactive(self):
        cards = (
            self._card(program=self.program_discount)
            | self._card(program=self.program_stamp)
            | self._card()
        )
        cards[-1].action_block()
        for card in cards:
            progress = self._progress(card)
            self.assertFalse(progress["next"])
            self.assertFalse(progress["message"])
            self.assertFalse(progress["hold"])

    @freeze_time("2024-06-15")
    def test_cashback_tier_sentence(self):
        card = self._card(program=self.program_cashback)
        self._document(self.customer, "2024-06-01", 1000.0)
        self.assertEqual(
            self._progress(card)["message"],
            f"Spend ${NBSP}4,000.00 more within the rolling 12 months to reach "
            "Plus: 5 % cashback",
        )

    @freeze_time("2024-06-15")
    def test_batch_in_constant_queries(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Customer {index}", "is_company": True} for index in range(8)]
        )
        cards = self.Card.create(
            [
                {"program_id": self.program_accumulative.id, "partner_id": partner.id}
                for partner in partners
            ]
        )

        def count_queries(records):
            self.env.invalidate_all()
            records = records.browse(records.ids)
            before = self.env.cr.sql_log_count
            records.mapped("next_tier_message")
            records.mapped("tier_hold_message")
            return self.env.cr.sql_log_count - before

        count_queries(cards)  # warm the caches of rules and languages
        self.assertEqual(count_queries(cards), count_queries(cards[:2]))
