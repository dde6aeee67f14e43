from datetime import date, timedelta

from odoo import Command, fields
from odoo.tests import freeze_time, new_test_user, tagged

from ..report.loyalty_b2b_analysis_month import HORIZON_PARAM
from .test_sale_common import LoyaltyB2bSaleCommon

TODAY = "2019-03-20"
MEASURES = [
    "spend_amount",
    "invoice_count",
    "discount_amount",
    "cashback_earned",
    "cashback_redeemed",
    "cashback_expired",
    "cashback_adjusted",
    "stamps_earned",
    "reward_count",
    "reward_value",
    "fee_amount",
    "active_count",
    "new_count",
]


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestAnalysisSnapshot(LoyaltyB2bSaleCommon):
    """Acme holds a cashback card (2 %) and a 10 % discount card; Globex a
    cashback card of a second company. Today is 20 March 2019.

    - January: Acme's invoice of 2 drills on the discount card: 2 x 1,000.00
      less 10 % = 1,800.00 untaxed, 200.00 of discount; 2 % of it, 36.00, of
      cashback earned on the cashback card.
    - February: Acme's invoice of 3 papers, 300.00 (6.00 of cashback); a
      manual adjustment of 25.00 on the cashback card; Globex's invoice of
      400.00 in the second company.
    - March (current month): Acme's invoice of 1 paper, 100.00 (2.00).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls._setup_second_company()["company"]
        cls.env = cls.env(
            context=dict(
                cls.env.context,
                allowed_company_ids=(cls.company | cls.company_b).ids,
            )
        )
        cls.Analysis = cls.env["loyalty.b2b.analysis"]
        # The refresh runs as the scheduler's superuser.
        cls.Snapshot = cls.env["loyalty.b2b.analysis.month"].sudo()
        cls.program_b = (
            cls.env["loyalty.b2b.program"]
            .with_company(cls.company_b)
            .create(
                {
                    "name": "Partner cashback",
                    "program_type": "cashback",
                    "company_id": cls.company_b.id,
                    "tier_ids": [
                        Command.create(
                            {"name": "Base", "min_amount": 0, "cashback_percent": 4}
                        ),
                    ],
                }
            )
        )
        with freeze_time(TODAY):
            cls.card_cash = cls._create_card(cls.program_cashback)
            cls.card_disc = cls._create_card(cls.program_discount)
            cls.card_b = (
                cls.env["loyalty.b2b.card"]
                .with_company(cls.company_b)
                .create(
                    {
                        "program_id": cls.program_b.id,
                        "partner_id": cls.other_customer.id,
                    }
                )
            )
            order = cls._create_order(lines=[(cls.product_drill, 2.0)])
            order.action_confirm()
            cls.invoice_jan = order._create_invoices()
            cls.invoice_jan.invoice_date = "2019-01-15"
            cls.invoice_jan.action_post()
            cls.invoice_feb = cls._post_invoice(cls.product_paper, 3, "2019-02-10")
            cls._post_invoice(
                cls.product_paper, 4, "2019-02-20", cls.other_customer, cls.company_b
            )
            cls._post_invoice(cls.product_paper, 1, "2019-03-05")
        with freeze_time("2019-02-12"):
            cls._add_ledger(cls.card_cash, amount=25.0)

    @classmethod
    def _post_invoice(cls, product, quantity, invoice_date, partner=None, company=None):
        invoice = (
            cls.env["account.move"]
            .with_company(company or cls.company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": (partner or cls.customer).id,
                    "invoice_date": invoice_date,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "quantity": quantity,
                                "price_unit": product.lst_price,
                            }
                        )
                    ],
                }
            )
        )
        invoice.action_post()
        return invoice

    def _rows(self, analysis=None):
        """Every row of the analysis: ``{(card, month): {measure: value}}``."""
        analysis = self.Analysis if analysis is None else analysis
        # Read as a new request would: the rows of the view, once read, stay
        # in the cache under their id whatever the documents became.
        self.env.invalidate_all()
        return {
            (row["card_id"][0], row["date"]): {name: row[name] for name in MEASURES}
            for row in analysis.search_read([], ["card_id", "date", *MEASURES])
        }

    def _live_rows(self):
        """The rows of the analysis summed from the documents, every month
        live (no horizon), as before any refresh."""
        params = self.env["ir.config_parameter"].sudo()
        horizon = params.get_param(HORIZON_PARAM)
        params.set_param(HORIZON_PARAM, False)
        rows = self._rows()
        params.set_param(HORIZON_PARAM, horizon)
        return rows

    def _figure(self, card, month, measure):
        row = self._rows().get((card.id, fields.Date.to_date(month)))
        return row[measure] if row else 0

    def _horizon(self):
        return self.Snapshot._get_horizon()

    def test_refresh_keeps_the_figures(self):
        live = self._rows()
        # Hand figures, read live: spend per card (both of Acme's cards count
        # its spend), cashback and discount where they belong.
        jan, feb, mar = date(2019, 1, 1), date(2019, 2, 1), date(2019, 3, 1)
        self.assertEqual(live[self.card_disc.id, jan]["spend_amount"], 1800.0)
        self.assertEqual(live[self.card_disc.id, jan]["discount_amount"], 200.0)
        self.assertEqual(live[self.card_cash.id, jan]["spend_amount"], 1800.0)
        self.assertEqual(live[self.card_cash.id, jan]["cashback_earned"], 36.0)
        self.assertEqual(live[self.card_cash.id, feb]["cashback_earned"], 6.0)
        self.assertEqual(live[self.card_cash.id, feb]["cashback_adjusted"], 25.0)
        self.assertEqual(live[self.card_cash.id, mar]["spend_amount"], 100.0)
        self.assertEqual(live[self.card_b.id, feb]["spend_amount"], 400.0)
        self.assertIsNone(self._horizon())

        months = self.Snapshot._cron_refresh_past_months()

        self.assertEqual(months, [jan, feb])
        self.assertEqual(self._horizon(), mar)
        # January: both Acme cards; February: both Acme cards and Globex's.
        self.assertEqual(self.Snapshot.search_count([("date", "=", jan)]), 2)
        self.assertEqual(self.Snapshot.search_count([("date", "=", feb)]), 3)
        self.assertFalse(self.Snapshot.search_count([("date", ">=", mar)]))
        self.assertEqual(self._rows(), live)
        # The snapshot row holds the same figures.
        snapshot = self.Snapshot.search(
            [("card_id", "=", self.card_cash.id), ("date", "=", feb)]
        )
        self.assertEqual(snapshot.spend_amount, 300.0)
        self.assertEqual(snapshot.cashback_adjusted, 25.0)

    def test_current_month_stays_live(self):
        self.Snapshot._cron_refresh_past_months()
        # 100.00 + 2 papers today, 200.00 = 300.00 in March, at once.
        self._post_invoice(self.product_paper, 2, TODAY)
        self.assertEqual(
            self._figure(self.card_cash, "2019-03-01", "spend_amount"), 300.0
        )
        self.assertEqual(self._figure(self.card_cash, "2019-03-01", "invoice_count"), 2)

    def test_back_dated_invoice_shows_after_the_refresh(self):
        self.Snapshot._cron_refresh_past_months()
        invoice = self._post_invoice(self.product_paper, 1, "2019-02-25")
        # Posted into a closed month: the snapshot still says 300.00 ...
        self.assertEqual(
            self._figure(self.card_cash, "2019-02-01", "spend_amount"), 300.0
        )
        # ... the document is seen as written since the refresh ...
        invoice.flush_recordset()
        touched = self.Snapshot._get_touched_months(
            invoice.write_date - timedelta(seconds=1), date(2019, 3, 1)
        )
        self.assertIn(date(2019, 2, 1), touched)
        self.assertFalse(
            self.Snapshot._get_touched_months(
                invoice.write_date + timedelta(seconds=1), date(2019, 3, 1)
            )
        )
        # ... and the next run counts it: 300.00 + 100.00 = 400.00.
        self.assertIn(date(2019, 2, 1), self.Snapshot._cron_refresh_past_months())
        self.assertEqual(
            self._figure(self.card_cash, "2019-02-01", "spend_amount"), 400.0
        )
        after_first_run = self._rows()
        self.assertEqual(after_first_run, self._live_rows())
        snapshot_count = self.Snapshot.search_count([])
        # Run twice: the same rows, none duplicated.
        self.Snapshot._cron_refresh_past_months()
        self.assertEqual(self.Snapshot.search_count([]), snapshot_count)
        self.assertEqual(self._rows(), after_first_run)
        self.assertEqual(
            self.Snapshot.search_count(
                [("card_id", "=", self.card_cash.id), ("date", "=", "2019-02-01")]
            ),
            1,
        )

    def test_reset_to_draft_reopens_the_month(self):
        self.Snapshot._cron_refresh_past_months()
        self.invoice_feb.button_draft()
        # February is read live again at once (and March, from the new
        # horizon on): Acme's 300.00 is gone, the 25.00 adjustment stays.
        self.assertEqual(self._horizon(), date(2019, 2, 1))
        self.assertEqual(self._figure(self.card_cash, "2019-02-01", "spend_amount"), 0)
        self.assertEqual(
            self._figure(self.card_cash, "2019-02-01", "cashback_adjusted"), 25.0
        )
        # Re-dated into January and posted again: January, still from its
        # snapshot, shows it after the next run: 1,800.00 + 300.00 = 2,100.00.
        self.invoice_feb.invoice_date = "2019-01-20"
        self.invoice_feb.action_post()
        self.assertEqual(
            self._figure(self.card_cash, "2019-01-01", "spend_amount"), 1800.0
        )
        self.assertEqual(
            self.Snapshot._cron_refresh_past_months(),
            [date(2019, 1, 1), date(2019, 2, 1)],
        )
        self.assertEqual(self._horizon(), date(2019, 3, 1))
        self.assertEqual(
            self._figure(self.card_cash, "2019-01-01", "spend_amount"), 2100.0
        )
        self.assertEqual(self._figure(self.card_cash, "2019-02-01", "spend_amount"), 0)
        self.assertEqual(self._rows(), self._live_rows())

    def test_companies_stay_apart(self):
        user = new_test_user(
            self.env,
            login="b2b_analyst",
            groups="loyalty_b2b.group_loyalty_b2b_user",
            company_id=self.company.id,
        )
        user.company_ids = self.company
        analysis = self.Analysis.with_user(user).with_context(
            allowed_company_ids=self.company.ids
        )
        live = self._rows(analysis)
        # Acme's two cards only: January, February and March (and the month
        # the cards were created, the database's today: no frozen clock there).
        self.assertEqual(
            {card_id for card_id, _month in live},
            {self.card_cash.id, self.card_disc.id},
        )
        self.assertEqual(
            len([month for _card_id, month in live if month <= date(2019, 3, 1)]), 6
        )
        self.Snapshot._cron_refresh_past_months()
        self.assertEqual(self._rows(analysis), live)
        # The snapshot itself keeps to the user's companies as well.
        self.assertEqual(
            set(
                self.Snapshot.with_user(user)
                .with_context(allowed_company_ids=self.company.ids)
                .search([])
                .card_id.ids
            ),
            {self.card_cash.id, self.card_disc.id},
        )
