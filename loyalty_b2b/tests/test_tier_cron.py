from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .test_tier_engine import TierCommon


@tagged("post_install", "-at_install")
class TestTierCron(TierCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cron = cls.env.ref("loyalty_b2b.ir_cron_b2b_recompute_tiers")
        cls.partners = cls.env["res.partner"].create(
            [{"name": f"Customer {index}", "is_company": True} for index in range(5)]
        )
        with freeze_time("2023-07-01"):
            cls.cards = cls.Card.create(
                [
                    {
                        "program_id": cls.program_accumulative.id,
                        "partner_id": partner.id,
                    }
                    for partner in cls.partners
                ]
            )
            moves = cls.env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": partner.id,
                        "invoice_date": "2023-07-01",
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": "Goods",
                                    "price_unit": 10000.0 * (index + 1),
                                    "tax_ids": [],
                                }
                            )
                        ],
                    }
                    for index, partner in enumerate(cls.partners)
                ]
            )
            moves.action_post()

    def test_cron_record(self):
        self.assertTrue(self.cron.active)
        self.assertEqual(self.cron.model_id.model, "loyalty.b2b.card")
        self.assertEqual(self.cron.code, "model._cron_recompute_tiers()")
        self.assertEqual(
            (self.cron.interval_number, self.cron.interval_type), (1, "days")
        )

    def test_batches_report_progress(self):
        self.assertEqual(set(self.cards.tier_id.mapped("name")), {"Gold"})
        blocked = self.cards[0]
        blocked.action_block()
        ended_program = self.program_accumulative.copy(
            {"name": "Ended", "date_to": "2024-06-01"}
        )
        with freeze_time("2024-05-01"):
            ended = self.Card.create(
                {"program_id": ended_program.id, "partner_id": self.partners[0].id}
            )
        with freeze_time("2024-07-01"):
            _cron, progress = self.cron._add_progress()
            done = self.Card.with_context(
                ir_cron_progress_id=progress.id
            )._cron_recompute_tiers(batch_size=2)
        # The 4 active cards of the running program, in 2 batches of 2.
        self.assertEqual(done, 4)
        self.assertEqual((progress.done, progress.remaining), (4, 0))
        active = self.cards - blocked
        self.assertEqual(active.mapped("spent_amount"), [0.0] * 4)
        self.assertEqual(set(active.tier_id.mapped("name")), {"Silver"})
        self.assertEqual(
            set(
                active.tier_history_ids.filtered(
                    lambda h: h.change == "downgrade"
                ).card_id.ids
            ),
            set(active.ids),
        )
        # Blocked cards and cards of ended programs are left as they are.
        self.assertEqual(blocked.spent_amount, 10000.0)
        self.assertEqual(blocked.tier_id.name, "Gold")
        self.assertEqual(ended.spent_amount, 10000.0)

    def test_query_count_per_batch_does_not_grow(self):
        """A batch costs 4 queries whatever its size: cards by program, spend
        aggregate joined to the cards, the company (currency) of the cards that
        changed, and the ORM's UPDATE of them."""

        def run(batch_size):
            # Every card's spend changes, none changes tier.
            self.env.cr.execute(
                "UPDATE loyalty_b2b_card SET spent_amount = 1 WHERE id = ANY(%s)",
                [self.cards.ids],
            )
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.Card._cron_recompute_tiers(batch_size=batch_size)
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        with freeze_time("2024-06-15"):
            run(5)  # warm the caches (access rules...)
            one_batch = run(5)
            five_batches = run(1)
        self.assertEqual(
            self.cards.mapped("spent_amount"), [10000.0 * i for i in range(1, 6)]
        )
        self.assertEqual(five_batches - one_batch, 4 * 4)
        self.assertLessEqual(one_batch, 14)

    def test_scheduled_action_runs(self):
        with freeze_time("2024-07-01"):
            self.cron.method_direct_trigger()
        self.assertEqual(self.cards.mapped("spent_amount"), [0.0] * 5)
        self.assertEqual(set(self.cards.tier_id.mapped("name")), {"Silver"})
