from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user, tagged

from odoo.addons.loyalty_b2b.models.cashback_expiry_rules import (
    CashbackCredit,
    cashback_expiry_date,
    expired_earning_cutoff,
    remaining_credits,
)

from .test_cashback_common import CashbackCommon


@tagged("post_install", "-at_install")
class TestCashbackExpiryRules(CashbackCommon):
    """The rule itself: the day cashback expires, first in, first out."""

    def test_expiry_day_is_the_day_after_the_last_valid_day(self):
        cases = [
            (date(2019, 1, 15), 12, date(2020, 1, 16)),
            # No such day in the month: valid up to its end.
            (date(2019, 1, 30), 1, date(2019, 3, 1)),
            (date(2020, 2, 29), 12, date(2021, 3, 1)),
            # Earned on a month's last day: valid up to the end of the month.
            (date(2019, 1, 31), 1, date(2019, 3, 1)),
            (date(2019, 2, 28), 1, date(2019, 4, 1)),
            (date(2019, 4, 30), 1, date(2019, 6, 1)),
            (date(2019, 12, 31), 2, date(2020, 3, 1)),
        ]
        for earned, months, expiry in cases:
            with self.subTest(earned=earned, months=months):
                self.assertEqual(cashback_expiry_date(earned, months), expiry)
        self.assertIsNone(cashback_expiry_date(date(2019, 1, 15), 0))

    def test_expiry_day_is_the_first_day_the_job_expires(self):
        """For every day of two years and several validities: the day before
        the expiry day the job keeps the cashback, on the expiry day it takes
        it (the job's cutoff only moves forward)."""
        for months in (1, 2, 3, 12):
            for offset in range(731):
                earned = date(2019, 1, 1) + timedelta(days=offset)
                expiry = cashback_expiry_date(earned, months)
                self.assertFalse(
                    earned < expired_earning_cutoff(expiry - timedelta(days=1), months),
                    f"{earned}, {months} months: expired before {expiry}",
                )
                self.assertTrue(
                    earned < expired_earning_cutoff(expiry, months),
                    f"{earned}, {months} months: not expired on {expiry}",
                )

    def test_first_in_first_out(self):
        credits = [
            (date(2019, 6, 15), 20.0),
            (date(2019, 1, 15), 40.0),
            (date(2019, 8, 10), 30.0),
        ]
        self.assertEqual(
            remaining_credits(credits, 55.0, 12, self.usd),
            [
                # 40.00 and 15.00 of the 20.00 consumed, oldest first.
                CashbackCredit(date(2019, 6, 15), date(2020, 6, 16), 5.0),
                CashbackCredit(date(2019, 8, 10), date(2020, 8, 11), 30.0),
            ],
        )
        self.assertEqual(remaining_credits(credits, 95.0, 12, self.usd), [])
        # A negative balance consumes nothing more; without validity no expiry.
        self.assertEqual(
            remaining_credits(credits[:1], -10.0, 0, self.usd),
            [CashbackCredit(date(2019, 6, 15), None, 20.0)],
        )


@tagged("post_install", "-at_install")
class TestCashbackExpiryForecast(CashbackCommon):
    """The forecast on the card, on a ledger built by hand:

    ====================  =========  ==================  ============
    date                  movement   left after FIFO     expires on
    ====================  =========  ==================  ============
    2019-01-15 INV earn   +40.00     40 - 25 = 15.00     2020-01-16
    2019-03-01 INV redeem -25.00
    2019-06-15 INV earn   +20.00     20.00               2020-06-16
    2019-08-10 INV earn   +30.00     30.00               2020-08-11
    2020-01-16 job        -15.00     (expired)
    ====================  =========  ==================  ============
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.program_a.cashback_validity_months = 12
        cls._invoice([(cls.product_drill, 2, 1000.0)], date="2019-01-15")
        cls._invoice([(cls.product_paper, 1, 100.0)], date="2019-03-01", redeem=25)
        cls._invoice([(cls.product_drill, 1, 1000.0)], date="2019-06-15")
        cls._invoice([(cls.product_drill, 1, 1500.0)], date="2019-08-10")
        expiry = date(2020, 1, 16)
        cls.first_expiry = cls.Transaction._expire_cashback(
            cls.Transaction._get_cashback_to_expire(expiry), expiry
        )

    def _forecast(self, cards, today, days_list=(30, 90)):
        return cards._get_expiring_cashback(list(days_list), today)

    def test_ledger_as_built(self):
        self.assertRecordValues(self.first_expiry, [{"amount": -15.0}])
        self.assertEqual(self.card_a.cashback_balance, 50.0)

    def test_forecast_on_a_day(self):
        today = date(2020, 5, 20)
        self.assertEqual(
            self._forecast(self.card_a, today, (0, 26, 27, 30, 82, 83, 90)),
            {
                self.card_a: {
                    0: 0.0,
                    26: 0.0,
                    27: 20.0,
                    30: 20.0,
                    82: 20.0,
                    83: 50.0,
                    90: 50.0,
                }
            },
        )
        with freeze_time(today):
            self.card_a.invalidate_recordset()
            self.assertRecordValues(
                self.card_a,
                [
                    {
                        "cashback_expiring_30": 20.0,
                        "cashback_expiring_90": 50.0,
                        "cashback_next_expiry_date": date(2020, 6, 16),
                        "cashback_next_expiry_amount": 20.0,
                    }
                ],
            )

    def test_spending_consumes_the_oldest_first(self):
        # 12.00 more spent comes out of the 20.00 of 2019-06-15.
        self._invoice([(self.product_paper, 1, 100.0)], date="2020-02-01", redeem=12)
        self.assertEqual(
            self._forecast(self.card_a, date(2020, 5, 20)),
            {self.card_a: {30: 8.0, 90: 38.0}},
        )

    def test_portal_accountant_reads_the_forecast(self):
        """A contact who sees the card's money reads the forecast through RPC,
        without reading the program it comes from."""
        accountant = self.env["res.partner"].create(
            {
                "name": "Arno Accountant",
                "parent_id": self.customer.id,
                "b2b_loyalty_role": "accountant",
            }
        )
        user = new_test_user(
            self.env,
            login="lb_forecast_portal",
            groups="base.group_portal",
            partner_id=accountant.id,
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with freeze_time("2020-05-20"):
            card = self.card_a.with_user(user).with_context(
                allowed_company_ids=self.company.ids
            )
            self.assertEqual(
                card.read(["cashback_expiring_30", "cashback_next_expiry_date"]),
                [
                    {
                        "id": card.id,
                        "cashback_expiring_30": 20.0,
                        "cashback_next_expiry_date": date(2020, 6, 16),
                    }
                ],
            )

    def test_due_but_not_yet_expired_counts_today(self):
        """Cashback due before today that the job has not taken yet (it runs
        at night) is taken on its next run: it counts as expiring today."""
        with freeze_time("2020-07-01"):
            self.card_a.invalidate_recordset()
            self.assertEqual(self.card_a.cashback_next_expiry_date, date(2020, 7, 1))
            self.assertEqual(self.card_a.cashback_next_expiry_amount, 20.0)
            self.assertEqual(self.card_a.cashback_expiring_30, 20.0)

    def _expired_since(self, day):
        return -sum(
            self.card_a.transaction_ids.filtered(
                lambda entry: entry.kind == "expire" and entry.date > day
            ).mapped("amount")
        )

    def test_forecast_agrees_with_the_job(self):
        """Run the daily job on the last day of each horizon: it expires what
        the forecast said, not a day earlier."""
        today = date(2020, 5, 20)
        forecast = self._forecast(self.card_a, today)[self.card_a]
        self.assertEqual(forecast, {30: 20.0, 90: 50.0})
        with freeze_time(date(2020, 6, 15)):
            self.Transaction._cron_expire_cashback()
        self.assertEqual(self._expired_since(today), 0.0)
        with freeze_time(today + timedelta(days=30)):
            self.Transaction._cron_expire_cashback()
        self.assertEqual(self._expired_since(today), forecast[30])
        with freeze_time(today + timedelta(days=90)):
            self.Transaction._cron_expire_cashback()
        self.assertEqual(self._expired_since(today), forecast[90])
        self.assertEqual(self.card_a.cashback_balance, 0.0)

    def test_expiry_date_agrees_with_the_job(self):
        """The job takes the next expiry amount on the next expiry date."""
        with freeze_time("2020-05-20"):
            self.card_a.invalidate_recordset()
            next_date = self.card_a.cashback_next_expiry_date
            next_amount = self.card_a.cashback_next_expiry_amount
        with freeze_time(next_date):
            expired = self.Transaction._cron_expire_cashback()
        self.assertEqual(expired, 1)
        self.assertEqual(self._expired_since(date(2020, 5, 20)), next_amount)

    def test_cards_without_expiry(self):
        self.program_a.cashback_validity_months = 0
        stamp_card = self._create_card(self.program_stamp)
        self.assertEqual(
            self._forecast(self.card_a | stamp_card, date(2020, 5, 20)),
            {self.card_a: {30: 0.0, 90: 0.0}, stamp_card: {30: 0.0, 90: 0.0}},
        )
        self.card_a.invalidate_recordset()
        self.assertFalse(self.card_a.cashback_next_expiry_date)
        self.assertEqual(self.card_a.cashback_next_expiry_amount, 0.0)

    def test_batch_of_cards_in_a_bounded_number_of_queries(self):
        self.program_b.cashback_validity_months = 6
        other_card = self.Card.create(
            {"program_id": self.program_a.id, "partner_id": self.other_customer.id}
        )
        self._invoice(
            [(self.product_drill, 1, 500.0)],
            partner=self.other_customer,
            date="2019-12-01",
        )
        self._invoice(
            [(self.product_paper, 1, 100.0)], company=self.company_b, date="2019-12-01"
        )
        cards = self.card_a | other_card | self.card_b
        today = date(2020, 5, 20)

        def count_queries(batch):
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            result = self._forecast(batch, today)
            return result, self.env.cr.sql_log_count - before

        result, queries = count_queries(cards)
        self.assertEqual(
            result,
            {
                self.card_a: {30: 20.0, 90: 50.0},
                # 10.00 earned on 2019-12-01: valid up to 2020-12-01.
                other_card: {30: 0.0, 90: 0.0},
                # 4.00 EUR earned on 2019-12-01 for 6 months: expires 2020-06-02.
                self.card_b: {30: 4.0, 90: 4.0},
            },
        )
        _result, queries_one = count_queries(self.card_a)
        self.assertEqual(queries, queries_one, "as many queries for 3 cards as for 1")
        self.assertLessEqual(queries, 10)
