from datetime import date

from odoo import Command, fields
from odoo.tests import freeze_time, tagged

from .test_sale_common import LoyaltyB2bSaleCommon


@tagged("post_install", "-at_install")
class TestProgramKpi(LoyaltyB2bSaleCommon):
    """Three months of a customer on three cards, in two companies.

    Company A (USD): "Cashback" (2 % below 5,000.00 of spend in the 12 months
    ending today: the 2019 invoices leave the card in its base tier), cashback
    valid 2 months; "Dealer 10%" discount card; a paid membership program.
    Company B (EUR): "Partner cashback", 4 %.
    Acme holds a card of each; Globex only a cashback card of company A, and
    does nothing.
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
        cls.Program = cls.env["loyalty.b2b.program"]
        cls.Card = cls.env["loyalty.b2b.card"]
        cls.Transaction = cls.env["loyalty.b2b.transaction"]
        cls.Analysis = cls.env["loyalty.b2b.analysis"]
        cls.program_cashback.cashback_validity_months = 2
        cls.program_b = cls.Program.with_company(cls.company_b).create(
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
        cls.product_fee = cls._create_product(
            name="Dealer membership", type="service", lst_price=1200.0
        )
        cls.program_paid = cls.Program.create(
            {
                "name": "Premium dealers",
                "program_type": "discount",
                "discount_percent": 5,
                "enrolment": "paid",
                "membership_product_id": cls.product_fee.id,
            }
        )
        cls.card_cash = cls._create_card(cls.program_cashback)
        cls.card_disc = cls._create_card(cls.program_discount)
        cls.card_b = cls.Card.with_company(cls.company_b).create(
            {"program_id": cls.program_b.id, "partner_id": cls.customer.id}
        )
        cls.card_globex = cls._create_card(cls.program_cashback, cls.other_customer)
        cls._build()

    @classmethod
    def _build(cls):
        self = cls
        Transaction = self.Transaction
        # January: 2 drills under the 10 % card
        order = self._create_order(lines=[(self.product_drill, 2.0)])
        order.action_confirm()
        self.invoice_jan = order._create_invoices()
        self.invoice_jan.invoice_date = "2019-01-15"
        self.invoice_jan.action_post()
        # February: 2 papers, 10.00 of cashback spent
        self.invoice_feb = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.contact.id,
                "invoice_date": "2019-02-10",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_paper.id,
                            "quantity": 2,
                            "price_unit": 100.0,
                        }
                    ),
                    Command.create(
                        {
                            "product_id": self.redemption_product.id,
                            "name": "Cashback redemption",
                            "quantity": 1,
                            "price_unit": -10.0,
                            "account_id": self.program_cashback.liability_account_id.id,
                            "tax_ids": [Command.clear()],
                            "b2b_reward_kind": "cashback",
                            "b2b_card_id": self.card_cash.id,
                        }
                    ),
                ],
            }
        )
        self.invoice_feb.action_post()
        # February, company B
        self.invoice_b = (
            self.env["account.move"]
            .with_company(self.company_b)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": "2019-02-20",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": self.product_paper.id,
                                "quantity": 5,
                                "price_unit": 100.0,
                            }
                        ),
                    ],
                }
            )
        )
        self.invoice_b.action_post()
        # March: credit note of one drill
        refund = self.invoice_jan._reverse_moves(
            [{"invoice_date": "2019-03-05", "date": "2019-03-05"}]
        )
        refund.invoice_line_ids.quantity = 1
        refund.action_post()
        self.refund = refund
        with freeze_time("2019-03-10"):
            self.card_paid = self._create_card(self.program_paid)
        self.fee = self.card_paid.membership_move_ids
        today = date(2019, 3, 20)
        Transaction._expire_cashback(Transaction._get_cashback_to_expire(today), today)
        Transaction._adjust_cashback(
            self.card_cash, 40.0, "Goodwill", date=date(2019, 3, 25)
        )
        # Today: a stamp card gets 2 stamps; a reward of 30.00 of cashback is
        # fulfilled (its order confirmed, not invoiced yet: nothing redeemed).
        self.card_stamp = self._create_card(self.program_stamp)
        self._add_ledger(self.card_stamp, stamps=2, kind="stamp")
        reward = self.env["loyalty.b2b.reward"].create(
            {
                "name": "Market report",
                "program_id": self.program_cashback.id,
                "reward_type": "information",
                "product_id": self.product_training.id,
                "cost_amount": 30.0,
            }
        )
        self.request = self.env["loyalty.b2b.reward.request"].create(
            {"reward_id": reward.id, "card_id": self.card_cash.id}
        )
        self.request.action_approve()
        fulfil = self.request.action_fulfil()
        self.SaleOrder.browse(fulfil["res_id"]).action_confirm()

    # Helpers ---------------------------------------------------------------

    def _rows(self, card):
        return self.Analysis.search([("card_id", "=", card.id)], order="date")

    @staticmethod
    def _row(month, **measures):
        """Expected row: every measure 0 unless given."""
        return {
            "date": month,
            "spend_amount": 0.0,
            "invoice_count": 0,
            "discount_amount": 0.0,
            "cashback_earned": 0.0,
            "cashback_redeemed": 0.0,
            "cashback_expired": 0.0,
            "cashback_adjusted": 0.0,
            "stamps_earned": 0,
            "reward_count": 0,
            "reward_value": 0.0,
            "fee_amount": 0.0,
            "active_count": 0,
            "new_count": 0,
            **measures,
        }

    @property
    def this_month(self):
        # Cards were created today: their row of new members is this month's.
        return fields.Date.today().replace(day=1)

    # The analysis ------------------------------------------------------------

    def test_cashback_card_per_month(self):
        self.assertRecordValues(
            self._rows(self.card_cash),
            [
                # Invoice of 2 drills at 1,000.00 less 10 %: 1,800.00 untaxed;
                # 2 % of it earned: 36.00.
                self._row(
                    date(2019, 1, 1),
                    spend_amount=1800.0,
                    invoice_count=1,
                    cashback_earned=36.0,
                    active_count=1,
                ),
                # 2 papers (200.00) less 10.00 of cashback: 190.00 untaxed, the
                # cashback spent added back: 200.00; 2 % of the papers: 4.00.
                self._row(
                    date(2019, 2, 1),
                    spend_amount=200.0,
                    invoice_count=1,
                    cashback_earned=4.0,
                    cashback_redeemed=10.0,
                    active_count=1,
                ),
                # Credit note of one drill: -900.00, and its cashback taken back
                # from the 36.00 earned: -18.00 (a credit note is no invoice,
                # the month's spend is negative: not active). On 2019-03-20 the
                # January cashback, valid 2 months, expires: 36.00 - 18.00
                # taken back - 10.00 spent (oldest first) = 8.00. 40.00 granted
                # by hand on 2019-03-25.
                self._row(
                    date(2019, 3, 1),
                    spend_amount=-900.0,
                    cashback_earned=-18.0,
                    cashback_expired=8.0,
                    cashback_adjusted=40.0,
                ),
                # Today: issued, and a reward of 30.00 fulfilled; its
                # reservation and release count nowhere.
                self._row(
                    self.this_month, reward_count=1, reward_value=30.0, new_count=1
                ),
            ],
        )
        self.assertRecordValues(
            self._rows(self.card_cash)[:1],
            [
                {
                    "card_id": self.card_cash.id,
                    "program_id": self.program_cashback.id,
                    "program_type": "cashback",
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "currency_id": self.company.currency_id.id,
                    "tier_id": self.card_cash.tier_id.id,
                    "card_state": "active",
                }
            ],
        )
        self.assertEqual(self.card_cash.tier_id.name, "Base")

    def test_new_members_by_issue_date(self):
        # A card issued on 15 February 2019 is a new member of February, and
        # an issued card is counted from that day on.
        self.card_globex.issue_date = date(2019, 2, 15)
        self.assertEqual(
            self._rows(self.card_globex).mapped(lambda row: (row.date, row.new_count)),
            [(date(2019, 2, 1), 1)],
        )
        figures = self.program_cashback._get_kpi_figures(
            date(2019, 1, 1), date(2019, 2, 14)
        )[self.program_cashback.id]
        self.assertEqual(figures["card_count"], 0)

    def test_migration_sets_issue_dates(self):
        """The 18.0.1.6.0 migration gives cards issued before it their
        creation day as issue date."""
        migration = __import__(
            "odoo.addons.loyalty_b2b.migrations", fromlist=["x"]
        ).__path__[0]
        namespace = {}
        with open(f"{migration}/18.0.1.6.0/post-migrate.py") as script:
            exec(compile(script.read(), script.name, "exec"), namespace)  # noqa: S102
        self.card_cash.issue_date = date(2030, 1, 1)
        namespace["migrate"](self.env.cr, "18.0.1.5.0")
        self.assertEqual(self.card_cash.issue_date, self.card_cash.create_date.date())

    def test_active_members_counted_once_over_months(self):
        # The cashback card's company spent in January (1,800.00) and February
        # (200.00), and gave back 900.00 in March: active in 2 months of the
        # quarter, one member.
        [(member_months, members)] = self.Analysis._read_group(
            [
                ("card_id", "=", self.card_cash.id),
                ("date", ">=", date(2019, 1, 1)),
                ("date", "<=", date(2019, 3, 31)),
            ],
            aggregates=["active_count:sum", "active_card_id:count_distinct"],
        )
        self.assertEqual((member_months, members), (2, 1))

    def test_discount_card_per_month(self):
        self.assertRecordValues(
            self._rows(self.card_disc),
            [
                # The same company spend on each of its cards; the card took
                # 10 % of 2 x 1,000.00 off: 200.00.
                self._row(
                    date(2019, 1, 1),
                    spend_amount=1800.0,
                    invoice_count=1,
                    discount_amount=200.0,
                    active_count=1,
                ),
                # The February invoice was not made from an order: no discount.
                self._row(
                    date(2019, 2, 1),
                    spend_amount=200.0,
                    invoice_count=1,
                    active_count=1,
                ),
                # The credit note of one drill gives its 100.00 back.
                self._row(
                    date(2019, 3, 1), spend_amount=-900.0, discount_amount=-100.0
                ),
                self._row(self.this_month, new_count=1),
            ],
        )

    def test_membership_fee_and_other_company(self):
        self.assertRecordValues(
            self._rows(self.card_paid),
            [
                self._row(
                    date(2019, 1, 1),
                    spend_amount=1800.0,
                    invoice_count=1,
                    active_count=1,
                ),
                self._row(
                    date(2019, 2, 1),
                    spend_amount=200.0,
                    invoice_count=1,
                    active_count=1,
                ),
                # The fee invoice of 1,200.00 untaxed (issued on 2019-03-10)
                # is no spend; the card was issued that day: a new member.
                self._row(
                    date(2019, 3, 1),
                    spend_amount=-900.0,
                    fee_amount=1200.0,
                    new_count=1,
                ),
            ],
        )
        self.assertEqual(self.fee.amount_untaxed, 1200.0)
        # Company B's card sees company B's documents only: 5 papers, 4 %.
        self.assertRecordValues(
            self._rows(self.card_b),
            [
                self._row(
                    date(2019, 2, 1),
                    spend_amount=500.0,
                    invoice_count=1,
                    cashback_earned=20.0,
                    active_count=1,
                ),
                self._row(self.this_month, new_count=1),
            ],
        )
        self.assertEqual(self._rows(self.card_b).company_id, self.company_b)
        # Globex did nothing but join; Acme's stamp card got 2 stamps today
        # (and shows Acme's spend in 2019, as each of its cards).
        self.assertRecordValues(
            self._rows(self.card_globex), [self._row(self.this_month, new_count=1)]
        )
        self.assertRecordValues(
            self._rows(self.card_stamp)[-1],
            [self._row(self.this_month, stamps_earned=2, new_count=1)],
        )

    def test_salesperson_segment_and_company_rule(self):
        industry = self.env["res.partner.industry"].create({"name": "Retail"})
        self.customer.write({"user_id": self.env.user.id, "industry_id": industry.id})
        rows = self._rows(self.card_cash)
        self.assertEqual(rows.user_id, self.env.user)
        self.assertEqual(rows.industry_id, industry)
        # Read with company A only: company B's rows are out of sight.
        analysis_a = self.Analysis.with_context(allowed_company_ids=self.company.ids)
        self.assertFalse(analysis_a.search([("card_id", "=", self.card_b.id)]))
        self.assertTrue(analysis_a.search([("card_id", "=", self.card_cash.id)]))

    # Program figures ----------------------------------------------------------

    def test_kpi_figures_of_a_quarter(self):
        programs = (
            self.program_cashback
            | self.program_discount
            | self.program_paid
            | self.program_b
        )
        figures = programs._get_kpi_figures(date(2019, 1, 1), date(2019, 3, 31))
        self.assertEqual(
            figures[self.program_cashback.id],
            {
                # Cards were issued after 2019-03-31.
                "card_count": 0,
                "card_count_by_tier": {},
                # Acme bought in January and February; Globex never.
                "active_count": 1,
                "new_count": 0,
                # Nobody was active from October to December 2018.
                "lost_count": 0,
                # 1,800.00 + 200.00 - 900.00
                "spend_amount": 1100.0,
                "discount_amount": 0.0,
                # 36.00 + 4.00 - 18.00
                "cashback_earned": 22.0,
                "cashback_redeemed": 10.0,
                "cashback_expired": 8.0,
                "cashback_adjusted": 40.0,
                # On 2019-03-31: 22.00 - 10.00 - 8.00 + 40.00
                "liability_amount": 44.0,
                # 10.00 / 22.00 = 45.45 %; 8.00 / 22.00 = 36.36 %
                "redemption_rate": 45.45,
                "breakage_rate": 36.36,
                "reward_count": 0,
                "reward_value": 0.0,
                "fee_amount": 0.0,
            },
        )
        discount = figures[self.program_discount.id]
        # 200.00 - 100.00 given back by the credit note.
        self.assertEqual(
            (discount["spend_amount"], discount["discount_amount"]), (1100.0, 100.0)
        )
        self.assertEqual(discount["liability_amount"], 0.0)
        self.assertEqual(discount["redemption_rate"], 0.0)
        self.assertEqual(figures[self.program_paid.id]["fee_amount"], 1200.0)
        paid = figures[self.program_b.id]
        self.assertEqual(
            (
                paid["spend_amount"],
                paid["cashback_earned"],
                paid["liability_amount"],
                paid["active_count"],
            ),
            (500.0, 20.0, 20.0, 1),
        )

    def test_kpi_lost_members_and_today(self):
        programs = self.program_cashback | self.program_b
        # April to June 2019: active from January to March, not since.
        figures = programs._get_kpi_figures(date(2019, 4, 1), date(2019, 6, 30))
        for program in programs:
            self.assertEqual(figures[program.id]["active_count"], 0)
            self.assertEqual(figures[program.id]["lost_count"], 1)
        self.assertEqual(figures[self.program_cashback.id]["liability_amount"], 44.0)
        # This month: both cashback cards issued today, in the base tier; the
        # reward fulfilled; nothing earned, so no rates.
        today = fields.Date.context_today(self.program_cashback)
        figures = programs._get_kpi_figures(self.this_month, today)
        cashback = figures[self.program_cashback.id]
        base = self.program_cashback.tier_ids.filtered(lambda t: t.name == "Base")
        self.assertEqual(cashback["card_count"], 2)
        self.assertEqual(cashback["card_count_by_tier"], {base.id: 2})
        self.assertEqual(cashback["new_count"], 2)
        self.assertEqual(
            (cashback["reward_count"], cashback["reward_value"]), (1, 30.0)
        )
        self.assertEqual(cashback["liability_amount"], 44.0)
        self.assertEqual(cashback["redemption_rate"], 0.0)
        self.assertEqual(figures[self.program_b.id]["card_count"], 1)

    # Program form buttons -------------------------------------------------------

    def test_headline_buttons(self):
        program = self.program_cashback
        # Today: 2 members, none active in the last 12 months.
        self.assertRecordValues(
            program,
            [
                {
                    "kpi_member_count": 2,
                    "kpi_active_count": 0,
                    "kpi_spend_amount": 0.0,
                    "kpi_liability_amount": 44.0,
                    "kpi_redemption_rate": 0.0,
                }
            ],
        )
        # On 2019-03-31 the 12 months are April 2018 to March 2019: the
        # quarter above (the cards did not exist yet).
        with freeze_time("2019-03-31"):
            program.invalidate_recordset()
            self.assertRecordValues(
                program,
                [
                    {
                        "kpi_member_count": 0,
                        "kpi_active_count": 1,
                        "kpi_spend_amount": 1100.0,
                        "kpi_liability_amount": 44.0,
                        "kpi_redemption_rate": 45.45,
                    }
                ],
            )
        program.invalidate_recordset()
        action = program.action_view_kpi_analysis()
        self.assertEqual(action["res_model"], "loyalty.b2b.analysis")
        self.assertEqual(action["domain"], [("program_id", "=", program.id)])
        self.assertEqual(action["context"], {"search_default_filter_last_12_months": 1})
        action = program.action_view_kpi_active()
        self.assertEqual(
            action["context"],
            {
                "search_default_filter_last_12_months": 1,
                "search_default_filter_active": 1,
            },
        )
        action = program.action_view_kpi_liability()
        self.assertEqual(action["res_model"], "loyalty.b2b.card")
        self.assertEqual(self.Card.search(action["domain"]), self.card_cash)
        action = program.action_view_cards()
        self.assertEqual(
            self.Card.search(action["domain"]), self.card_cash | self.card_globex
        )
