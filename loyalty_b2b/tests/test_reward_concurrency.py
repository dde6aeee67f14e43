from contextlib import contextmanager

import psycopg2.errors

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import SQL, mute_logger


@tagged("post_install", "-at_install")
class TestRewardConcurrency(BaseCase):
    """Two transactions approving reward requests at once, racing for the last
    seat of a reward and for the last stamps or cashback of a card: one wins,
    the other cannot serialize, and Odoo's retry gets a clear message.

    Like test_sale_concurrency, this works with real, committed transactions
    and deletes its data afterwards.
    """

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        self.ids = {}
        self.addCleanup(self._cleanup)
        with self._environment() as env:
            partners = env["res.partner"].create(
                [
                    {"name": f"Racing Customer {index}", "is_company": True}
                    for index in (1, 2)
                ]
            )
            product = env["product.product"].create(
                {"name": "Racing Seminar", "type": "service", "list_price": 100.0}
            )
            stamp_program, cashback_program = env["loyalty.b2b.program"].create(
                [
                    {
                        "name": "Racing Stamps",
                        "program_type": "stamp",
                        "stamps_required": 3,
                        "stamp_reward_product_id": product.id,
                    },
                    {
                        "name": "Racing Cashback",
                        "program_type": "cashback",
                        "tier_ids": [
                            Command.create({"name": "Base", "cashback_percent": 1})
                        ],
                    },
                ]
            )
            cards = env["loyalty.b2b.card"].create(
                [
                    {"program_id": stamp_program.id, "partner_id": partners[0].id},
                    {"program_id": stamp_program.id, "partner_id": partners[1].id},
                    {"program_id": cashback_program.id, "partner_id": partners[0].id},
                ]
            )
            ledger = env["loyalty.b2b.transaction"]
            ledger.create(
                [
                    {"card_id": cards[0].id, "kind": "adjust", "stamps": 6},
                    {"card_id": cards[1].id, "kind": "adjust", "stamps": 6},
                ]
            )
            ledger._adjust_cashback(cards[2], 100.0, "Opening balance")
            seminar, cashback_seminar = env["loyalty.b2b.reward"].create(
                [
                    {
                        "name": "Racing seat",
                        "program_id": stamp_program.id,
                        "product_id": product.id,
                        "reward_type": "service",
                        "cost_stamps": 4,
                        "has_stock": True,
                        "stock_quantity": 1,
                    },
                    {
                        "name": "Racing consulting",
                        "program_id": cashback_program.id,
                        "product_id": product.id,
                        "reward_type": "service",
                        "cost_amount": 80.0,
                    },
                ]
            )
            self.ids.update(
                partners=partners.ids,
                product=product.id,
                programs=(stamp_program | cashback_program).ids,
                cards=cards.ids,
                rewards=(seminar | cashback_seminar).ids,
            )

    @contextmanager
    def _environment(self):
        """A new transaction, committed at the end of the block."""
        with self.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})

    def _cleanup(self):
        if not self.ids:
            return
        with self._environment() as env:
            # The ledger is append-only for the application: a test may clean up.
            env.cr.execute(
                SQL(
                    "DELETE FROM loyalty_b2b_transaction WHERE card_id IN %s",
                    tuple(self.ids["cards"]),
                )
            )
            env.cr.execute(
                SQL(
                    "DELETE FROM loyalty_b2b_reward_request WHERE card_id IN %s",
                    tuple(self.ids["cards"]),
                )
            )
            moves = env["account.move"].search(
                [("line_ids.partner_id", "in", self.ids["partners"])]
            )
            env.cr.execute(
                SQL(
                    "UPDATE account_move SET state = 'draft' WHERE id IN %s",
                    tuple(moves.ids) or (0,),
                )
            )
            env.invalidate_all()
            moves.with_context(force_delete=True).unlink()
            env["loyalty.b2b.card"].browse(self.ids["cards"]).unlink()
            env["loyalty.b2b.program"].browse(self.ids["programs"]).unlink()
            env["product.product"].browse(self.ids["product"]).unlink()
            env["res.partner"].browse(self.ids["partners"]).unlink()

    def _create_requests(self, pairs):
        """Committed requests ``[(card index, reward index)]``."""
        with self._environment() as env:
            requests = env["loyalty.b2b.reward.request"].create(
                [
                    {
                        "card_id": self.ids["cards"][card],
                        "reward_id": self.ids["rewards"][reward],
                    }
                    for card, reward in pairs
                ]
            )
            return requests.ids

    def _assert_second_loses(self, first_id, second_id, message, check):
        """Both transactions read before the first approves and commits: the
        second cannot serialize, and its retry (a fresh transaction, as Odoo's
        request retry) gets a clear error; nothing of it is written."""
        with self._environment() as env1, self._environment() as env2:
            Request1 = env1["loyalty.b2b.reward.request"]
            Request2 = env2["loyalty.b2b.reward.request"]
            # Both snapshots are taken now.
            self.assertEqual(Request1.browse(first_id).state, "requested")
            self.assertEqual(Request2.browse(second_id).state, "requested")
            Request1.browse(first_id).action_approve()
            env1.cr.commit()
            with self.assertRaises(psycopg2.errors.SerializationFailure):
                Request2.browse(second_id).action_approve()
            env2.cr.rollback()
            env2.invalidate_all()
            with self.assertRaisesRegex(UserError, message):
                Request2.browse(second_id).action_approve()
            env2.cr.rollback()
        with self._environment() as env:
            requests = env["loyalty.b2b.reward.request"].browse([first_id, second_id])
            self.assertEqual(requests.mapped("state"), ["approved", "requested"])
            check(requests)

    @mute_logger("odoo.sql_db")
    def test_last_seat(self):
        """Two companies, one seat left: one approval wins."""
        first_id, second_id = self._create_requests([(0, 0), (1, 0)])

        def check(requests):
            self.assertEqual(requests.reward_id.stock_left, 0)
            self.assertEqual(requests[0].hold_entry_id.reserved_stamps, 4)
            self.assertFalse(requests[1].transaction_ids)

        self._assert_second_loses(
            first_id, second_id, "out of stock: all 1 were given", check
        )

    @mute_logger("odoo.sql_db")
    def test_last_stamps(self):
        """One card holding 6 stamps, two requests of 4: one approval wins."""
        with self._environment() as env:
            env["loyalty.b2b.reward"].browse(self.ids["rewards"][0]).has_stock = False
        first_id, second_id = self._create_requests([(0, 0), (0, 0)])

        def check(requests):
            card = requests.card_id
            self.assertEqual((card.stamp_count, card.stamps_reserved), (6, 4))

        self._assert_second_loses(
            first_id, second_id, "2 free stamps; Racing seat needs 4", check
        )

    @mute_logger("odoo.sql_db")
    def test_last_cashback(self):
        """One card holding 100.00, two requests of 80.00: one approval wins."""
        first_id, second_id = self._create_requests([(2, 1), (2, 1)])

        def check(requests):
            card = requests.card_id
            self.assertEqual(
                (
                    card.cashback_balance,
                    card.cashback_reserved,
                    card.cashback_available,
                ),
                (100.0, 80.0, 20.0),
            )

        self._assert_second_loses(
            first_id,
            second_id,
            "20.00 of cashback free; Racing consulting costs",
            check,
        )
