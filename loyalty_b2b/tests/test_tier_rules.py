from datetime import date

from odoo.tests import BaseCase, tagged

from ..models.tier_rules import decide_tier_rank, hold_end_date, next_tier_rank

THRESHOLDS = [0, 1000000, 2500000]  # cents: Silver 0, Gold 10,000, Platinum 25,000


@tagged("post_install", "-at_install")
class TestTierRules(BaseCase):
    """The decision table of tiers, without the ORM."""

    def test_highest_threshold_reached(self):
        today = date(2024, 6, 15)
        for spend, rank in ((0, 0), (999999, 0), (1000000, 1), (9999999, 2)):
            self.assertEqual(
                decide_tier_rank(THRESHOLDS, spend, None, None, today, None),
                (rank, False),
            )

    def test_negative_spend_counts_as_none(self):
        self.assertEqual(
            decide_tier_rank([100, 200], -500, None, None, date(2024, 6, 15), None),
            (-1, False),
        )

    def test_downgrade_held_until_the_hold_ends(self):
        reached, hold_end = date(2024, 1, 10), date(2024, 4, 10)
        self.assertEqual(
            decide_tier_rank(THRESHOLDS, 0, 1, reached, date(2024, 4, 9), hold_end),
            (1, False),
        )
        self.assertEqual(
            decide_tier_rank(THRESHOLDS, 0, 2, reached, date(2024, 4, 10), hold_end),
            (0, True),
        )
        # Without a hold, at once.
        self.assertEqual(
            decide_tier_rank(THRESHOLDS, 0, 2, reached, date(2024, 1, 11), None),
            (0, True),
        )

    def test_upgrades_never_wait(self):
        reached, hold_end = date(2024, 1, 10), date(2024, 4, 10)
        self.assertEqual(
            decide_tier_rank(
                THRESHOLDS, 3000000, 0, reached, date(2024, 2, 1), hold_end
            ),
            (2, False),
        )

    def test_hold_end(self):
        self.assertEqual(hold_end_date(date(2024, 1, 10), 3), date(2024, 4, 10))
        # Month ends: the end of a shorter month.
        self.assertEqual(hold_end_date(date(2024, 1, 31), 1), date(2024, 2, 29))
        self.assertIsNone(hold_end_date(date(2024, 1, 10), 0))
        self.assertIsNone(hold_end_date(False, 3))

    def test_next_tier_follows_the_tier_held(self):
        # No tier yet: the lowest one, the spend missing to its threshold.
        self.assertEqual(next_tier_rank([50000, 1000000], 20000, None), (0, 30000))
        self.assertEqual(next_tier_rank(THRESHOLDS, 250000, 0), (1, 750000))
        # Gold kept by a hold while the spend fell: Platinum is next, and all
        # of its threshold above the spend is missing.
        self.assertEqual(next_tier_rank(THRESHOLDS, 400000, 1), (2, 2100000))
        # A negative spend counts as none.
        self.assertEqual(next_tier_rank(THRESHOLDS, -500, 0), (1, 1000000))
        self.assertEqual(next_tier_rank(THRESHOLDS, 9999999, 2), (None, 0))
