from datetime import date

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user, tagged

from .test_sale_common import LoyaltyB2bSaleCommon

# Today of every test: the last 90 days run from 2024-12-02 to 2025-03-01,
# the same days a year before from 2023-12-02 to 2024-03-01.
TODAY = "2025-03-01"
PILOT_START = date(2024, 7, 1)
DATE_FROM = date(2024, 7, 1)
DATE_TO = date(2025, 1, 31)

# Untaxed customer invoices (date, amount) of each company.
# Periods read by the figures (months=6):
# - pilot "before": 2023-12-30..2024-06-30, "after": 2024-07-01..2024-12-31
#   (the pilot start + 6 months, before DATE_TO);
# - before/after joining (cards joined 2024-07-01): 2024-01-01..2024-06-30
#   and 2024-07-01..2024-12-31;
# - retention: Q3 2024 then Q4 2024 (the last full quarter before DATE_TO);
# - at risk: 2024-12-02..2025-03-01 against 2023-12-02..2024-03-01.
INVOICES = {
    "pilot_1": [
        ("2023-12-15", 1000.0),
        ("2024-03-15", 900.0),
        ("2024-08-15", 700.0),
        ("2024-11-15", 700.0),
        ("2025-01-15", 400.0),
    ],
    "pilot_2": [
        ("2023-12-15", 1000.0),
        ("2024-03-15", 1000.0),
        ("2024-08-15", 1500.0),
        ("2025-01-15", 600.0),
    ],
    "pilot_3": [
        ("2024-03-15", 1100.0),
        ("2024-08-15", 800.0),
        ("2024-11-15", 800.0),
    ],
    "control_1": [("2024-03-15", 900.0), ("2024-08-15", 1000.0)],
    "control_2": [
        ("2024-03-15", 1000.0),
        ("2024-08-15", 500.0),
        ("2024-11-15", 600.0),
    ],
    "control_3": [("2024-03-15", 1100.0), ("2024-11-15", 1200.0)],
    "other_1": [
        ("2024-05-15", 200.0),
        ("2024-08-15", 300.0),
        ("2024-11-15", 300.0),
    ],
    "other_2": [("2024-05-15", 500.0), ("2024-09-01", 100.0)],
}


@tagged("post_install", "-at_install")
@freeze_time(TODAY)
class TestProgramEffect(LoyaltyB2bSaleCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = new_test_user(
            cls.env,
            login="b2b_effect_salesperson",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company.id,
        )
        cls.companies = {
            name: cls.env["res.partner"].create(
                {"name": name.replace("_", " ").title(), "is_company": True}
            )
            for name in INVOICES
        }
        cls.companies["pilot_1"].user_id = cls.salesperson
        pilot = (
            cls.companies["pilot_1"]
            | cls.companies["pilot_2"]
            | cls.companies["pilot_3"]
        )
        control = (
            cls.companies["control_1"]
            | cls.companies["control_2"]
            | cls.companies["control_3"]
        )
        cls.program = cls.Program.create(
            {
                "name": "Pilot 10%",
                "program_type": "discount",
                "discount_percent": 10,
                "pilot_state": "pilot",
                "pilot_partner_ids": [Command.set(pilot.ids)],
            }
        )
        cls.env["loyalty.b2b.control.member"].create(
            [
                {"program_id": cls.program.id, "partner_id": partner.id}
                for partner in control
            ]
        )
        cls.program.control_draw_date = PILOT_START
        # The cards were issued at the pilot's start: the join date.
        cls.cards = cls.Card.create(
            [
                {
                    "program_id": cls.program.id,
                    "partner_id": p.id,
                    "issue_date": PILOT_START,
                }
                for p in pilot
            ]
        )
        moves = cls.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": cls.companies[name].id,
                    "invoice_date": day,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Goods",
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
                for name, invoices in INVOICES.items()
                for day, amount in invoices
            ]
        )
        moves.action_post()
        # One drill (1,000.00) sold to pilot 3 with its card's 10 %: 900.00
        # untaxed, invoiced on 2025-01-20; the card gave 1,000.00 - 900.00.
        order = cls._create_order(cls.companies["pilot_3"])
        order.action_confirm()
        cls.discount_invoice = order._create_invoices()
        cls.discount_invoice.invoice_date = "2025-01-20"
        cls.discount_invoice.action_post()

    def _card(self, name):
        return self.cards.filtered(lambda c: c.partner_id == self.companies[name])

    def _figures(self):
        return self.program._get_effect_figures(DATE_FROM, DATE_TO, months=6)

    def test_discount_invoice_of_the_data_set(self):
        self.assertAlmostEqual(self.discount_invoice.amount_untaxed, 900.0)

    def test_spend_of_many_partners_and_periods_in_one_query(self):
        pilot_1 = self.companies["pilot_1"]
        other_2 = self.companies["other_2"]
        periods = [
            (date(2023, 12, 1), date(2024, 6, 30)),  # 1000 + 900; 500
            (date(2024, 8, 15), date(2024, 8, 15)),  # 700; nothing
            (date(2020, 1, 1), date(2020, 12, 31)),  # nothing
        ]
        self.env.flush_all()
        # The currency's rounding is read before counting.
        self.program.currency_id.fetch(["rounding"])
        with self.assertQueryCount(1):
            spend = self.program._get_effect_spend([pilot_1.id, other_2.id], periods)
        self.assertEqual(spend[pilot_1.id], [1900.0, 700.0, 0.0])
        self.assertEqual(spend[other_2.id], [500.0, 0.0, 0.0])

    def test_members_against_eligible_non_members(self):
        members = self._figures()["members"]
        # Members: the 3 pilot cards (joined 2024-07-01). In 2024-07-01..
        # 2025-01-31: pilot 1 700 + 700 + 400 = 1800, pilot 2 1500 + 600 =
        # 2100, pilot 3 800 + 800 + 900 (the drill) = 2500; 6400 / 3.
        self.assertEqual(members["member_count"], 3)
        self.assertAlmostEqual(members["member_total"], 6400.0)
        self.assertAlmostEqual(members["member_average"], 2133.33)
        # Non-members: other 1 and 2 (the control group is left out);
        # other 1 300 + 300, other 2 100: 700 / 2.
        self.assertEqual(members["non_member_count"], 2)
        self.assertAlmostEqual(members["non_member_total"], 700.0)
        self.assertAlmostEqual(members["non_member_average"], 350.0)

    def test_before_and_after_joining(self):
        before_after = self._figures()["before_after"]
        # Before (2024-01-01..06-30): 900 + 1000 + 1100 = 3000;
        # after (2024-07-01..12-31): 1400 + 1500 + 1600 = 4500.
        self.assertEqual(before_after["count"], 3)
        self.assertAlmostEqual(before_after["before_total"], 3000.0)
        self.assertAlmostEqual(before_after["after_total"], 4500.0)
        self.assertAlmostEqual(before_after["before_average"], 1000.0)
        self.assertAlmostEqual(before_after["after_average"], 1500.0)
        self.assertAlmostEqual(before_after["uplift"], 500.0)
        # Each member compared, with its own spend before and after.
        joined = date(2024, 7, 1)
        self.assertEqual(
            sorted(
                (
                    member["partner_id"],
                    member["joined"],
                    member["before"],
                    member["after"],
                )
                for member in before_after["members"]
            ),
            [
                (self.companies["pilot_1"].id, joined, 900.0, 1400.0),
                (self.companies["pilot_2"].id, joined, 1000.0, 1500.0),
                (self.companies["pilot_3"].id, joined, 1100.0, 1600.0),
            ],
        )

    def test_members_too_recent_are_not_compared(self):
        # With 2024-12-31 as the end, 6 months after joining are not over.
        figures = self.program._get_effect_figures(
            DATE_FROM, date(2024, 12, 30), months=6
        )
        self.assertEqual(figures["before_after"]["count"], 0)

    def test_difference_in_differences(self):
        did = self._figures()["did"]
        self.assertEqual(did["pilot_start"], PILOT_START)
        self.assertEqual(did["before_start"], date(2023, 12, 30))
        self.assertEqual(did["before_end"], date(2024, 6, 30))
        self.assertEqual(did["after_end"], date(2024, 12, 31))
        self.assertEqual((did["pilot_count"], did["control_count"]), (3, 3))
        # Pilot (900 + 1000 + 1100) / 3 = 1000 -> (1400 + 1500 + 1600) / 3 =
        # 1500; control 1000 -> (1000 + 1100 + 1200) / 3 = 1100.
        self.assertAlmostEqual(did["pilot_before"], 1000.0)
        self.assertAlmostEqual(did["pilot_after"], 1500.0)
        self.assertAlmostEqual(did["control_before"], 1000.0)
        self.assertAlmostEqual(did["control_after"], 1100.0)
        # (1500 - 1000) - (1100 - 1000) = 400
        self.assertAlmostEqual(did["did"], 400.0)
        self.assertTrue(did["small_groups"])

    def test_retention(self):
        retention = self._figures()["retention"]
        self.assertEqual(retention["earlier_start"], date(2024, 7, 1))
        self.assertEqual(retention["later_end"], date(2024, 12, 31))
        # Members bought in Q3: all 3; again in Q4: pilot 1 and 3 -> 2 / 3.
        self.assertEqual(retention["member_bought_count"], 3)
        self.assertEqual(retention["member_kept_count"], 2)
        self.assertAlmostEqual(retention["member_rate"], 66.67)
        # Non-members buying in Q3: other 1 and 2; in Q4: other 1 -> 1 / 2.
        self.assertEqual(retention["non_member_bought_count"], 2)
        self.assertEqual(retention["non_member_kept_count"], 1)
        self.assertAlmostEqual(retention["non_member_rate"], 50.0)

    def test_cost_per_incremental_revenue(self):
        figures = self._figures()
        cost = figures["cost"]
        # The drill: 900 * 10 / (100 - 10) = 100 off; nothing else.
        self.assertAlmostEqual(cost["discounts"], 100.0)
        self.assertAlmostEqual(cost["cashback"], 0.0)
        self.assertAlmostEqual(cost["rewards"], 0.0)
        self.assertAlmostEqual(cost["fees"], 0.0)
        self.assertAlmostEqual(cost["cost"], 100.0)
        # DiD 400 x 3 pilot companies = 1200; 100 / 1200.
        self.assertEqual(figures["incremental_basis"], "did")
        self.assertAlmostEqual(figures["incremental_revenue"], 1200.0)
        self.assertAlmostEqual(figures["cost_per_incremental_revenue"], 0.0833)

    def test_ratio_without_control_group_uses_the_uplift(self):
        self.program.control_member_ids.unlink()
        figures = self._figures()
        # Uplift 500 x 3 members = 1500; 100 / 1500.
        self.assertIsNone(figures["did"]["did"])
        self.assertEqual(figures["incremental_basis"], "before_after")
        self.assertAlmostEqual(figures["incremental_revenue"], 1500.0)
        self.assertAlmostEqual(figures["cost_per_incremental_revenue"], 0.0667)

    def test_no_ratio_without_incremental_revenue(self):
        # Up to 2024-08-14: "after" 07-01..08-14 and "before" 05-17..06-30,
        # no pilot or control company bought in either: DiD 0, no ratio.
        figures = self.program._get_effect_figures(
            DATE_FROM, date(2024, 8, 14), months=6
        )
        self.assertEqual(figures["did"]["before_start"], date(2024, 5, 17))
        self.assertEqual(figures["did"]["did"], 0.0)
        self.assertEqual(figures["incremental_revenue"], 0.0)
        self.assertIsNone(figures["cost_per_incremental_revenue"])

    def test_at_risk_drop_is_a_share(self):
        for value in (-5.0, 100.0, 150.0):
            with (
                self.subTest(value=value),
                self.assertRaisesRegex(ValidationError, "from 0 % to less than 100 %"),
                self.env.cr.savepoint(),
            ):
                self.program.at_risk_drop_percent = value
                self.program.flush_recordset()
        self.program.at_risk_drop_percent = 0.0
        self.assertEqual(self.program.at_risk_drop_percent, 0.0)

    def test_at_risk_members(self):
        # Pilot 1: 1000 -> 400, -60 %; pilot 2: 1000 -> 600, -40 %; pilot 3
        # bought nothing a year before. Over 50 %: pilot 1 only.
        self.assertEqual(self.program._get_at_risk_cards(), self._card("pilot_1"))
        card = self._card("pilot_1")
        self.assertAlmostEqual(card.at_risk_recent_spend, 400.0)
        self.assertAlmostEqual(card.at_risk_prior_spend, 1000.0)
        self.assertAlmostEqual(card.at_risk_drop_percent, 60.0)
        self.assertAlmostEqual(self._card("pilot_2").at_risk_drop_percent, 40.0)
        self.program.at_risk_drop_percent = 30.0
        self.assertEqual(
            self.program._get_at_risk_cards(),
            self._card("pilot_1") | self._card("pilot_2"),
        )
        action = self.program.action_open_at_risk_cards()
        self.assertEqual(
            self.env["loyalty.b2b.card"].search(action["domain"]),
            self._card("pilot_1") | self._card("pilot_2"),
        )

    def test_one_activity_per_at_risk_member(self):
        card = self._card("pilot_1")
        cron = self.env.ref("loyalty_b2b.ir_cron_b2b_at_risk_members")
        cron.method_direct_trigger()
        cron.method_direct_trigger()
        activities = card.activity_ids
        self.assertEqual(len(activities), 1)
        self.assertEqual(activities.user_id, self.salesperson)
        self.assertEqual(
            activities.activity_type_id, self.env.ref("mail.mail_activity_data_todo")
        )
        self.assertFalse(self._card("pilot_2").activity_ids)
        # Once done, the next run schedules a new one.
        activities.action_feedback(feedback="Called them")
        self.program.action_schedule_at_risk_activities()
        self.assertEqual(len(card.activity_ids), 1)
        self.assertNotEqual(card.activity_ids, activities)

    def test_activity_falls_back_to_the_program_responsible(self):
        # Pilot 2 (-40 %) has no salesperson: the program's responsible.
        self.program.at_risk_drop_percent = 30.0
        self.program.signup_user_id = self.salesperson
        self.companies["pilot_1"].user_id = False
        self.program.action_schedule_at_risk_activities()
        self.assertEqual(self._card("pilot_2").activity_ids.user_id, self.salesperson)
        self.assertEqual(self._card("pilot_1").activity_ids.user_id, self.salesperson)
        # Nobody to follow them up: no activity.
        self.program.signup_user_id = False
        self.assertFalse(self._card("pilot_3")._get_at_risk_user())

    def test_membership_joins_on_its_first_paid_day(self):
        card = self._card("pilot_3")
        self.assertEqual(card._get_effect_join_dates(), {card.id: date(2024, 7, 1)})
        self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": card.partner_id.id,
                "b2b_membership_card_id": card.id,
                "b2b_is_membership_fee": True,
                "b2b_membership_date_start": "2024-07-10",
                "b2b_membership_date_end": "2025-07-09",
            }
        )
        self.assertEqual(card._get_effect_join_dates(), {card.id: date(2024, 7, 10)})

    def test_wizard_shows_the_figures(self):
        wizard = self.env["loyalty.b2b.effect.wizard"].create(
            {
                "program_id": self.program.id,
                "date_from": DATE_FROM,
                "date_to": DATE_TO,
                "months": 6,
            }
        )
        self.assertEqual(wizard.member_count, 3)
        self.assertAlmostEqual(wizard.did, 400.0)
        self.assertTrue(wizard.small_groups)
        self.assertAlmostEqual(wizard.member_retention, 66.67)
        self.assertAlmostEqual(wizard.cost_ratio, 0.0833)
        self.assertEqual(wizard.at_risk_count, 1)
        # The members compared, one row each, the largest change first (all
        # +500.00: by name).
        table = str(wizard.joined_member_table)
        names = [self.companies[key].name for key in ("pilot_1", "pilot_2", "pilot_3")]
        positions = [table.index(name) for name in sorted(names)]
        self.assertEqual(positions, sorted(positions))
        self.assertEqual(table.count("<tr>"), 4)
        self.assertIn("1,400.00", table)
        action = self.program.action_open_effect_wizard()
        self.assertEqual(action["res_model"], "loyalty.b2b.effect.wizard")
        self.assertEqual(action["context"]["default_program_id"], self.program.id)
        # The form the button opens: defaults to the last year up to today.
        form = Form(
            self.env["loyalty.b2b.effect.wizard"].with_context(**action["context"])
        )
        self.assertEqual(form.date_to, fields.Date.today())
        self.assertEqual(form.date_from, date(2024, 3, 1))
        form.date_from, form.date_to = DATE_FROM, DATE_TO
        self.assertAlmostEqual(form.did, 400.0)
        self.assertEqual(form.incremental_basis, "did")
