from contextlib import contextmanager

import psycopg2.errors
from dateutil.relativedelta import relativedelta

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import SQL, mute_logger


@tagged("post_install", "-at_install")
class TestSaleConcurrency(BaseCase):
    """Orders and invoices spending or earning one card's cashback or stamps,
    in two transactions at once.

    Like Odoo's own concurrency tests (base/tests/test_ir_sequence.py), this
    works with real, committed transactions: each test creates and commits its
    data, and deletes it afterwards.
    """

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        self.ids = {}
        self.addCleanup(self._cleanup)
        with self._environment() as env:
            partner = env["res.partner"].create(
                {"name": "Concurrent Customer", "is_company": True}
            )
            product, reward_product = env["product.product"].create(
                [
                    {
                        "name": name,
                        "type": "service",
                        "list_price": 100.0,
                        "taxes_id": [Command.clear()],
                    }
                    for name in ("Concurrent Widget", "Concurrent Reward")
                ]
            )
            programs = env["loyalty.b2b.program"].create(
                [
                    {
                        "name": "Concurrent Cashback",
                        "program_type": "cashback",
                        "tier_ids": [
                            Command.create({"name": "Base", "cashback_percent": 1})
                        ],
                    },
                    {
                        "name": "Concurrent Stamps",
                        "program_type": "stamp",
                        "stamps_required": 3,
                        "stamp_min_amount": 1000.0,
                        "stamp_reward_product_id": reward_product.id,
                        "sequence": 1000,
                    },
                ]
            )
            cards = env["loyalty.b2b.card"].create(
                [
                    {"program_id": program.id, "partner_id": partner.id}
                    for program in programs
                ]
            )
            ledger = env["loyalty.b2b.transaction"]
            ledger._adjust_cashback(cards[0], 100.0, "Opening balance")
            ledger.create({"card_id": cards[1].id, "kind": "adjust", "stamps": 3})
            self.ids.update(
                partner=partner.id,
                products=(product | reward_product).ids,
                programs=programs.ids,
                cards=cards.ids,
                cashback_card=cards[0].id,
                stamp_card=cards[1].id,
                product=product.id,
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
            cards = env["loyalty.b2b.card"].browse(self.ids["cards"])
            orders = env["sale.order"].search(
                [("partner_id", "=", self.ids["partner"])]
            )
            orders.filtered(lambda order: order.state == "sale")._action_cancel()
            orders.unlink()
            # The ledger is append-only for the application: a test may clean up.
            env.cr.execute(
                SQL(
                    "DELETE FROM loyalty_b2b_transaction WHERE card_id IN %s",
                    tuple(cards.ids),
                )
            )
            env.invalidate_all()
        self._delete_moves()
        with self._environment() as env:
            cards = env["loyalty.b2b.card"].browse(self.ids["cards"])
            cards.unlink()
            env["loyalty.b2b.program"].browse(self.ids["programs"]).unlink()
            env["product.product"].browse(self.ids["products"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()

    def _create_quotations(self, card_key, count=2, quantity=1):
        """Committed quotations of the test customer on the card ``card_key``,
        of ``quantity`` widgets at 100 each."""
        with self._environment() as env:
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": self.ids["partner"],
                        "b2b_card_id": self.ids[card_key],
                        "order_line": [
                            Command.create(
                                {
                                    "product_id": self.ids["product"],
                                    "product_uom_qty": quantity,
                                }
                            )
                        ],
                    }
                    for _i in range(count)
                ]
            )
            return orders.ids

    def _spend_cashback(self, order_ids):
        with self._environment() as env:
            for order in env["sale.order"].browse(order_ids):
                order.b2b_apply_cashback(80.0)

    def _add_rewards(self, order_ids):
        with self._environment() as env:
            for order in env["sale.order"].browse(order_ids):
                order.action_b2b_add_stamp_reward()

    def _card_value(self, fname):
        with self._environment() as env:
            card_key = "cashback_card" if fname.startswith("cashback") else "stamp_card"
            return env["loyalty.b2b.card"].browse(self.ids[card_key])[fname]

    def _assert_second_loses(self, env1, env2, first_id, second_action, message):
        """The first order confirms and commits; the second transaction, whose
        snapshot is older, cannot serialize, and its retry gets a clear error."""
        env1["sale.order"].browse(first_id).action_confirm()
        env1.cr.commit()
        with self.assertRaises(psycopg2.errors.SerializationFailure):
            second_action()
        env2.cr.rollback()
        # What Odoo's request retry does: a fresh transaction, a clear error.
        env2.invalidate_all()
        with self.assertRaisesRegex(UserError, message):
            second_action()

    @mute_logger("odoo.sql_db")
    def test_cashback_write_skew(self):
        """The second transaction read the balance before the first committed:
        it must not spend it again."""
        first_id, second_id = self._create_quotations("cashback_card")
        self._spend_cashback([first_id, second_id])
        with self._environment() as env1, self._environment() as env2:
            # The second transaction's snapshot is taken now.
            second = env2["sale.order"].browse(second_id)
            self.assertEqual(second.b2b_card_id.cashback_available, 100.0)
            self._assert_second_loses(
                env1,
                env2,
                first_id,
                second.action_confirm,
                "only [^0-9]*20.00 is available",
            )
        self.assertEqual(self._card_value("cashback_committed"), 80.0)
        self.assertEqual(self._card_value("cashback_available"), 20.0)

    @mute_logger("odoo.sql_db")
    def test_cashback_confirmations_at_the_same_time(self):
        """Both transactions in flight: the second waits for the card."""
        first_id, second_id = self._create_quotations("cashback_card")
        self._spend_cashback([first_id, second_id])
        with self._environment() as env1, self._environment() as env2:
            env1["sale.order"].browse(first_id).action_confirm()
            env2.cr.execute("SET LOCAL lock_timeout = '300ms'")
            with self.assertRaises(psycopg2.errors.LockNotAvailable):
                env2["sale.order"].browse(second_id).action_confirm()
            env2.cr.rollback()
            env1.cr.commit()
            env2.invalidate_all()
            with self.assertRaisesRegex(UserError, "only [^0-9]*20.00 is available"):
                env2["sale.order"].browse(second_id).action_confirm()
        self.assertEqual(self._card_value("cashback_available"), 20.0)

    @mute_logger("odoo.sql_db")
    def test_cashback_applied_while_another_order_confirms(self):
        first_id, second_id = self._create_quotations("cashback_card")
        self._spend_cashback([first_id])
        with self._environment() as env1, self._environment() as env2:
            second = env2["sale.order"].browse(second_id)
            self.assertEqual(second.b2b_card_id.cashback_available, 100.0)
            self._assert_second_loses(
                env1,
                env2,
                first_id,
                lambda: second.b2b_apply_cashback(80.0),
                "only [^0-9]*20.00 is available",
            )

    @mute_logger("odoo.sql_db")
    def test_stamp_rewards_write_skew(self):
        first_id, second_id = self._create_quotations("stamp_card")
        self._add_rewards([first_id, second_id])
        with self._environment() as env1, self._environment() as env2:
            second = env2["sale.order"].browse(second_id)
            self.assertEqual(second.b2b_card_id.stamp_count, 3)
            self._assert_second_loses(
                env1, env2, first_id, second.action_confirm, "has 0 stamps"
            )
        self.assertEqual(self._card_value("stamp_count"), 0)

    def _run_side_by_side(self, model, method, record_ids, interleaved):
        """Call ``method`` of the two records ``record_ids`` of ``model``, each
        in its own transaction, both snapshots taken before the first call; each
        call is written to the database at once (as the end of a request does),
        and both transactions commit. ``interleaved``: the second call runs
        while the first transaction is in flight, and fails with
        LockNotAvailable (instead of waiting) on a row the first one updated;
        otherwise the first transaction commits before the second call, which
        fails with a serialization error on a row the first one updated."""
        with self._environment() as env1, self._environment() as env2:
            envs = (env1, env2)
            for env in envs:
                env.cr.execute("SELECT 1")
            env2.cr.execute("SET LOCAL lock_timeout = '300ms'")
            for env, record_id in zip(envs, record_ids, strict=True):
                getattr(env[model].browse(record_id), method)()
                env.flush_all()
                if not interleaved:
                    env.cr.commit()
            for env in envs:
                env.cr.commit()

    def _ledger_count(self, kind, **ids_by_field):
        """Ledger entries of ``kind`` of the orders or invoices ``ids_by_field``."""
        with self._environment() as env:
            return env["loyalty.b2b.transaction"].search_count(
                [
                    ("kind", "=", kind),
                    *((fname, "in", ids) for fname, ids in ids_by_field.items()),
                ]
            )

    def test_stamps_earned_at_the_same_time(self):
        """Two orders earning a stamp on one card, confirmed at the same time,
        both commit: each confirmation inserts its ledger row and leaves the card
        row alone. Were the stamp count stored, each confirmation would also
        update the card row, and the second one would fail (LockNotAvailable
        while the first is in flight, a serialization error once it committed).
        """
        for interleaved in (True, False):
            with self.subTest(interleaved=interleaved):
                before = self._card_value("stamp_count")
                order_ids = self._create_quotations("stamp_card", quantity=10)
                self._run_side_by_side(
                    "sale.order", "action_confirm", order_ids, interleaved
                )
                self.assertEqual(self._card_value("stamp_count"), before + 2)
                self.assertEqual(
                    self._ledger_count("stamp", sale_order_id=order_ids), 2
                )

    def _create_invoices(self, count=2, **vals):
        """Committed draft invoices of the test customer, of one widget each;
        deleted with their cashback entries after the test."""
        self.addCleanup(self._delete_moves)
        with self._environment() as env:
            invoices = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": self.ids["partner"],
                        "invoice_line_ids": [
                            Command.create(
                                {"product_id": self.ids["product"], "price_unit": 100.0}
                            )
                        ],
                        **vals,
                    }
                    for _i in range(count)
                ]
            )
            return invoices.ids

    def _delete_moves(self):
        with self._environment() as env:
            moves = env["account.move"].search(
                [("partner_id", "=", self.ids["partner"])]
            )
            # Posted invoices and cashback entries cannot be deleted: a test may.
            env.cr.execute(
                SQL(
                    "UPDATE account_move SET state = 'draft' WHERE id IN %s",
                    tuple(moves.ids) or (0,),
                )
            )
            env.invalidate_all()
            moves.with_context(force_delete=True).unlink()

    def test_cashback_earned_at_the_same_time(self):
        """Two invoices earning cashback on one card, posted by transactions
        whose snapshots miss each other's, both commit: each accrual inserts its
        ledger row (and journal entry) and leaves the card row alone. Were the
        balance stored, the second would fail with a serialization error.

        The invoices are dated before the program's 12-month spend window, so
        that they change no card's spend: an invoice in the window makes the
        tier engine update the card's spent_amount, a conflict of its own that
        this test leaves aside. Not interleaved: the second posting would wait
        for the first's invoice number (Odoo's journal sequence lock)."""
        before = self._card_value("cashback_balance")
        invoice_ids = self._create_invoices(
            invoice_date=fields.Date.today() - relativedelta(months=13)
        )
        self._run_side_by_side(
            "account.move", "action_post", invoice_ids, interleaved=False
        )
        # 1% of 100 each.
        self.assertEqual(self._card_value("cashback_balance"), before + 2.0)
        self.assertEqual(self._ledger_count("earn", invoice_id=invoice_ids), 2)

    @mute_logger("odoo.sql_db")
    def test_first_orders_enrol_at_the_same_time(self):
        """Two first orders of a company confirmed at the same moment under
        automatic enrolment: the second cannot serialize, and Odoo's retry
        confirms it with the card the first one issued (never a duplicate-key
        error, never a second card)."""
        with self._environment() as env:
            partner = env["res.partner"].create(
                {"name": "Concurrent Newcomer", "is_company": True}
            )
            program = env["loyalty.b2b.program"].create(
                {
                    "name": "Concurrent Welcome",
                    "program_type": "discount",
                    "discount_percent": 5,
                    "enrolment": "automatic",
                }
            )
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "order_line": [
                            Command.create({"product_id": self.ids["product"]})
                        ],
                    }
                    for _i in range(2)
                ]
            )
            first_id, second_id = orders.ids
        self.addCleanup(self._delete_enrolment, partner.id, program.id)
        with self._environment() as env1, self._environment() as env2:
            for env in (env1, env2):
                env.cr.execute("SELECT 1")  # both snapshots are taken now
            env1["sale.order"].browse(first_id).action_confirm()
            env1.cr.commit()
            second = env2["sale.order"].browse(second_id)
            self.assertFalse(second.b2b_card_id)
            # What Odoo does with an RPC or HTTP request.
            retrying(second.action_confirm, env2)
        with self._environment() as env:
            card = env["loyalty.b2b.card"].search([("program_id", "=", program.id)])
            self.assertEqual(len(card), 1)
            orders = env["sale.order"].browse([first_id, second_id])
            self.assertEqual(orders.mapped("state"), ["sale", "sale"])
            self.assertEqual(orders.b2b_card_id, card)

    def _delete_enrolment(self, partner_id, program_id):
        with self._environment() as env:
            orders = env["sale.order"].search([("partner_id", "=", partner_id)])
            orders._action_cancel()
            orders.unlink()
            env["loyalty.b2b.card"].search([("program_id", "=", program_id)]).unlink()
            env["loyalty.b2b.program"].browse(program_id).unlink()
            env["res.partner"].browse(partner_id).unlink()
