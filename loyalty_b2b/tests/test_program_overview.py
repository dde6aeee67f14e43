from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import format_amount, html2plaintext

from .common import LoyaltyB2bCommon


@tagged("post_install", "-at_install")
class TestProgramSummary(LoyaltyB2bCommon):
    def test_discount(self):
        self.assertEqual(self.program_discount.benefit_summary, "10 %")
        self.program_discount.discount_percent = 2.5
        self.assertEqual(self.program_discount.benefit_summary, "2.5 %")

    def test_accumulating_discount_over_tiers(self):
        self.assertEqual(self.program_accumulative.benefit_summary, "3–7 %")
        self.program_accumulative.tier_ids.filtered(
            lambda tier: tier.name == "Silver"
        ).unlink()
        self.assertEqual(self.program_accumulative.benefit_summary, "7 %")
        self.program_accumulative.tier_ids.unlink()
        self.assertEqual(self.program_accumulative.benefit_summary, "No tiers")

    def test_cashback_over_tiers(self):
        self.assertEqual(self.program_cashback.benefit_summary, "2–5 % cashback")
        self.program_cashback.write(
            {
                "tier_ids": [
                    Command.create(
                        {"name": "Top", "min_amount": 50000, "cashback_percent": 7.25}
                    )
                ]
            }
        )
        self.assertEqual(self.program_cashback.benefit_summary, "2–7.25 % cashback")

    def test_stamps(self):
        self.assertEqual(self.program_stamp.benefit_summary, "3 stamps → Training day")
        self.program_stamp.stamps_required = 5
        self.assertEqual(self.program_stamp.benefit_summary, "5 stamps → Training day")

    def test_summary_follows_a_change_in_the_form(self):
        """The list and the form show the summary of the values being typed."""
        program = self.Program.new(
            {
                "name": "New",
                "program_type": "accumulative",
                "tier_ids": [
                    Command.create(
                        {"name": "A", "min_amount": 0, "discount_percent": 1}
                    ),
                    Command.create(
                        {"name": "B", "min_amount": 100, "discount_percent": 4}
                    ),
                ],
            }
        )
        self.assertEqual(program.benefit_summary, "1–4 %")
        program.program_type = "discount"
        program.discount_percent = 12
        self.assertEqual(program.benefit_summary, "12 %")


@tagged("post_install", "-at_install")
@freeze_time("2025-06-15")
class TestProgramStatus(LoyaltyB2bCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.programs = cls.Program.create(
            [
                {"name": name, "discount_percent": 5, **dates}
                for name, dates in (
                    ("Open", {}),
                    ("Starts today", {"date_from": "2025-06-15"}),
                    ("Ends today", {"date_to": "2025-06-15"}),
                    ("One day", {"date_from": "2025-06-15", "date_to": "2025-06-15"}),
                    ("Starts tomorrow", {"date_from": "2025-06-16"}),
                    ("Ended yesterday", {"date_to": "2025-06-14"}),
                    (
                        "Archived",
                        {"date_from": "2025-01-01", "active": False},
                    ),
                    (
                        "Archived later",
                        {"date_from": "2025-07-01", "active": False},
                    ),
                )
            ]
        )

    def _by_name(self, *names):
        return self.programs.filtered(lambda program: program.name in names)

    def test_state_of_each_case(self):
        self.assertEqual(
            {program.name: program.state for program in self.programs},
            {
                "Open": "running",
                "Starts today": "running",
                "Ends today": "running",
                "One day": "running",
                "Starts tomorrow": "scheduled",
                "Ended yesterday": "ended",
                "Archived": "archived",
                "Archived later": "archived",
            },
        )

    def test_state_on_the_edges(self):
        program = self._by_name("One day")
        with freeze_time("2025-06-14"):
            program.invalidate_recordset(["state"])
            self.assertEqual(program.state, "scheduled")
        with freeze_time("2025-06-16"):
            program.invalidate_recordset(["state"])
            self.assertEqual(program.state, "ended")
        program.invalidate_recordset(["state"])
        self.assertEqual(program.state, "running")
        # Archiving wins over the dates; unarchiving gives them back.
        program.active = False
        self.assertEqual(program.state, "archived")
        program.active = True
        self.assertEqual(program.state, "running")

    def test_search_each_state(self):
        Program = self.Program.with_context(active_test=False)
        in_test = [("id", "in", self.programs.ids)]

        def search(*domain):
            return Program.search([*in_test, *domain])

        self.assertEqual(
            search(("state", "=", "running")),
            self._by_name("Open", "Starts today", "Ends today", "One day"),
        )
        self.assertEqual(
            search(("state", "=", "scheduled")), self._by_name("Starts tomorrow")
        )
        self.assertEqual(
            search(("state", "=", "ended")), self._by_name("Ended yesterday")
        )
        self.assertEqual(
            search(("state", "=", "archived")),
            self._by_name("Archived", "Archived later"),
        )
        self.assertEqual(
            search(("state", "in", ["scheduled", "ended"])),
            self._by_name("Starts tomorrow", "Ended yesterday"),
        )
        self.assertEqual(
            search(("state", "not in", ["running", "archived"])),
            self._by_name("Starts tomorrow", "Ended yesterday"),
        )
        self.assertEqual(
            search(("state", "!=", "running")),
            self._by_name(
                "Starts tomorrow", "Ended yesterday", "Archived", "Archived later"
            ),
        )
        # As every search, a default one leaves archived programs out.
        self.assertFalse(self.Program.search([*in_test, ("state", "=", "archived")]))
        self.assertEqual(
            self.Program.search([*in_test, ("state", "!=", "running")]),
            self._by_name("Starts tomorrow", "Ended yesterday"),
        )

    def test_search_filters_of_the_list(self):
        """The filters of the programs' search view find what they say."""
        arch = self.env.ref("loyalty_b2b.loyalty_b2b_program_view_search").arch
        for name, expected in (
            ("running", ("Open", "Starts today", "Ends today", "One day")),
            ("scheduled", ("Starts tomorrow",)),
            ("ended", ("Ended yesterday",)),
        ):
            self.assertIn(f'name="{name}"', arch)
            self.assertEqual(
                self.Program.search(
                    [("id", "in", self.programs.ids), ("state", "=", name)]
                ),
                self._by_name(*expected),
            )

    def test_search_refuses_unknown_states(self):
        for operator, value in (
            ("=", "finished"),
            ("in", ["running", "paused"]),
            ("like", "run"),
            ("=", False),
        ):
            with self.assertRaises(UserError):
                self.Program.search([("state", operator, value)])


@tagged("post_install", "-at_install")
class TestProgramTracking(LoyaltyB2bCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(cls.env.context, tracking_disable=False, mail_notrack=False)
        )
        cls.program_cashback = cls.program_cashback.with_env(cls.env)
        cls.program_accumulative = cls.program_accumulative.with_env(cls.env)
        # Records created in this transaction are not tracked until it is
        # flushed, as Odoo does before a commit.
        cls.env.cr.flush()

    def _flush_tracking(self):
        self.env.cr.flush()

    def _tracked_fields(self, program):
        return set(program.message_ids[:1].tracking_value_ids.field_id.mapped("name"))

    def test_program_changes_are_tracked(self):
        program = self.program_cashback
        other_journal = self.env["account.journal"].create(
            {"name": "Loyalty 2", "code": "LOY2", "type": "general"}
        )
        program.write(
            {
                "date_from": "2030-01-01",
                "date_to": "2030-12-31",
                "journal_id": other_journal.id,
                "breakage_account_id": self.company_data["default_account_revenue"].id,
                "partner_category_ids": [Command.set(self.tag_dealer.ids)],
                "product_category_ids": [Command.set(self.categ_tools.ids)],
            }
        )
        self._flush_tracking()
        self.assertEqual(
            self._tracked_fields(program),
            {
                "date_from",
                "date_to",
                "journal_id",
                "breakage_account_id",
                "partner_category_ids",
                "product_category_ids",
            },
        )
        self.program_discount.with_env(self.env).discount_percent = 15
        self._flush_tracking()
        tracking = self.program_discount.message_ids[:1].tracking_value_ids
        self.assertRecordValues(
            tracking,
            [
                {
                    "field_id": self.env["ir.model.fields"]
                    ._get("loyalty.b2b.program", "discount_percent")
                    .id,
                    "old_value_float": 10.0,
                    "new_value_float": 15.0,
                }
            ],
        )

    def test_tier_changes_are_posted_on_the_program(self):
        program = self.program_accumulative
        gold = program.tier_ids.filtered(lambda tier: tier.name == "Gold")
        silver = program.tier_ids - gold
        usd = self.company.currency_id

        def last_note():
            return html2plaintext(program.message_ids[:1].body)

        def amount(value):
            return format_amount(self.env, value, usd)

        gold.write({"min_amount": 12000, "discount_percent": 8})
        self.assertIn(
            f"Tier Gold changed: Spend Threshold: {amount(10000)} → "
            f"{amount(12000)}; Discount (%): 7 % → 8 %.",
            last_note(),
        )
        # A write that changes nothing posts nothing.
        count = len(program.message_ids)
        gold.write({"discount_percent": 8, "sequence": 3})
        self.assertEqual(len(program.message_ids), count)

        program.write(
            {
                "tier_ids": [
                    Command.create(
                        {"name": "Platinum", "min_amount": 50000, "discount_percent": 9}
                    ),
                    Command.unlink(silver.id),
                ]
            }
        )
        # One note per operation, one line per tier.
        notes = [
            html2plaintext(body) for body in program.message_ids[:2].mapped("body")
        ]
        self.assertTrue(
            any(
                f"Tier Platinum added: 9 % from {amount(50000)}." in note
                for note in notes
            ),
            notes,
        )
        self.assertTrue(
            any(
                f"Tier Silver removed: 3 % from {amount(0)}." in note for note in notes
            ),
            notes,
        )
        self.assertFalse(silver.exists())

    def test_cashback_tiers_name_their_cashback(self):
        program = self.program_cashback
        base = program.tier_ids.filtered(lambda tier: tier.name == "Base")
        base.cashback_percent = 3
        self.assertIn(
            "Tier Base changed: Cashback (%): 2 % → 3 %.", program.message_ids[0].body
        )
        tiers = self.env["loyalty.b2b.tier"].create(
            [
                {
                    "program_id": program.id,
                    "name": "Max",
                    "min_amount": 90000,
                    "cashback_percent": 6,
                },
                {
                    "program_id": program.id,
                    "name": "Ultra",
                    "min_amount": 99000,
                    "cashback_percent": 6.5,
                },
            ]
        )
        body = program.message_ids[0].body
        self.assertIn("Tier Max added: 6 %", body)
        self.assertIn("Tier Ultra added: 6.5 %", body)
        tiers.unlink()
        body = program.message_ids[0].body
        self.assertIn("Tier Max removed", body)
        self.assertIn("Tier Ultra removed", body)

    def test_no_tier_note_when_tracking_is_off(self):
        program = self.program_accumulative.with_context(tracking_disable=True)
        count = len(program.message_ids)
        program.tier_ids[0].discount_percent = 2
        self.assertEqual(len(program.message_ids), count)
