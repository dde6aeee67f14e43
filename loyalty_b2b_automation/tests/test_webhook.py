import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.loyalty_b2b.tests.test_reward_request import RewardCommon
from odoo.addons.loyalty_b2b.tests.test_tier_engine import TierCommon


class _WebhookReceiver(BaseHTTPRequestHandler):
    """Records every POST it receives on its server's ``calls`` list."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.calls.append(
            {
                "path": self.path,
                "content_type": self.headers.get("Content-Type"),
                "payload": json.loads(body),
            }
        )
        self.send_response(200)
        self.end_headers()

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        # Quiet: the test asserts on what was received.
        return


class WebhookReceiverCommon:
    """A real HTTP server on 127.0.0.1 receives what the example rules post.
    Odoo sends a webhook synchronously, inside the transaction that made the
    change (a "send and forget" POST with a short timeout), so no commit is
    needed to see it arrive."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Port 0: the system picks a free port.
        cls.receiver = HTTPServer(("127.0.0.1", 0), _WebhookReceiver)
        cls.receiver.calls = []
        thread = threading.Thread(target=cls.receiver.serve_forever, daemon=True)
        thread.start()
        cls.addClassCleanup(thread.join)
        cls.addClassCleanup(cls.receiver.server_close)
        cls.addClassCleanup(cls.receiver.shutdown)
        cls.receiver_url = "http://127.0.0.1:%d" % cls.receiver.server_port

    def setUp(self):
        super().setUp()
        self.receiver.calls.clear()

    def _activate(self, xmlid, path):
        """Point the example rule ``xmlid`` at the receiver and unarchive it,
        as an administrator does."""
        rule = self.env.ref(f"loyalty_b2b_automation.{xmlid}")
        self.assertFalse(rule.active, "The example rules are shipped archived.")
        rule.action_server_ids.webhook_url = f"{self.receiver_url}/{path}"
        rule.active = True
        return rule


@tagged("post_install", "-at_install")
class TestWebhook(WebhookReceiverCommon, TierCommon):
    def test_example_rules_archived_webhooks(self):
        """One archived rule per event, each with one webhook action whose
        payload fields are plain (no group-restricted field may be sent)."""
        rules = self.env["base.automation"].with_context(active_test=False)
        for xmlid, model in [
            ("automation_transaction_webhook", "loyalty.b2b.transaction"),
            ("automation_tier_history_webhook", "loyalty.b2b.tier.history"),
            ("automation_card_webhook", "loyalty.b2b.card"),
            ("automation_reward_request_webhook", "loyalty.b2b.reward.request"),
        ]:
            rule = rules.browse(self.env.ref(f"loyalty_b2b_automation.{xmlid}").id)
            self.assertFalse(rule.active)
            self.assertEqual(rule.model_name, model)
            self.assertEqual(rule.trigger, "on_create_or_write")
            action = rule.action_server_ids
            self.assertEqual(len(action), 1)
            self.assertEqual(action.state, "webhook")
            # A placeholder to replace, on one line (no stray whitespace).
            self.assertRegex(action.webhook_url, r"^https://example\.com/\S+$")
            self.assertIn("partner_name", action.webhook_field_ids.mapped("name"))
            for field in action.webhook_field_ids:
                self.assertFalse(self.env[model]._fields[field.name].groups)

    @freeze_time("2024-06-15")
    def test_tier_upgrade_posts_webhook(self):
        card = self._card()
        self.assertEqual(card.tier_id, self.silver)
        self._activate("automation_tier_history_webhook", "tier-change")
        # 12,000.00 invoiced this month >= Gold's 10,000.00: Silver -> Gold.
        self._document(self.customer, "2024-06-01", 12000.0)
        self.assertEqual(card.tier_id, self.gold)
        history = card.tier_history_ids.filtered(lambda h: h.change == "upgrade")
        self.assertEqual(len(history), 1)

        self.assertEqual(len(self.receiver.calls), 1)
        call = self.receiver.calls[0]
        self.assertEqual(call["path"], "/tier-change")
        self.assertEqual(call["content_type"], "application/json")
        payload = call["payload"]
        self.assertEqual(payload["_model"], "loyalty.b2b.tier.history")
        self.assertEqual(payload["_id"], history.id)
        self.assertEqual(payload["change"], "upgrade")
        self.assertEqual(payload["card_id"], card.id)
        self.assertEqual(payload["card_number"], card.name)
        self.assertEqual(payload["partner_id"], self.customer.id)
        self.assertEqual(payload["partner_name"], "Acme Wholesale")
        self.assertEqual(payload["old_tier_id"], self.silver.id)
        self.assertEqual(payload["old_tier_name"], "Silver")
        self.assertEqual(payload["new_tier_id"], self.gold.id)
        self.assertEqual(payload["new_tier_name"], "Gold")
        self.assertEqual(payload["spent_amount"], 12000.0)
        self.assertEqual(payload["currency_name"], self.company.currency_id.name)
        self.assertEqual(payload["date"], "2024-06-15")

        # More spend in the same tier changes no tier: nothing is posted.
        self._document(self.customer, "2024-06-02", 500.0)
        self.assertEqual(card.spent_amount, 12500.0)
        self.assertEqual(len(self.receiver.calls), 1)

    def test_card_state_change_posts_webhook(self):
        card = self._card()
        self._activate("automation_card_webhook", "card-state")
        card.action_block()
        card.action_activate()
        # Saving the state it already has changes nothing: nothing is posted.
        card.write({"state": "active"})
        self.assertEqual(
            [(c["path"], c["payload"]["state"]) for c in self.receiver.calls],
            [("/card-state", "blocked"), ("/card-state", "active")],
        )
        payload = self.receiver.calls[0]["payload"]
        self.assertEqual(payload["_model"], "loyalty.b2b.card")
        self.assertEqual(payload["_id"], card.id)
        self.assertEqual(payload["name"], card.name)
        self.assertEqual(payload["partner_name"], "Acme Wholesale")
        self.assertEqual(payload["program_name"], "Volume")
        self.assertEqual(payload["tier_name"], "Silver")

    def test_ledger_entry_posted_once(self):
        card = self._create_card(self.program_stamp)
        self._activate("automation_transaction_webhook", "ledger-entry")
        entry = self._add_ledger(card, stamps=2, kind="stamp")
        self.assertEqual(len(self.receiver.calls), 1)
        payload = self.receiver.calls[0]["payload"]
        self.assertEqual(payload["_model"], "loyalty.b2b.transaction")
        self.assertEqual(payload["_id"], entry.id)
        self.assertEqual(payload["kind"], "stamp")
        self.assertEqual(payload["stamps"], 2)
        self.assertEqual(payload["reserved_stamps"], 0)
        self.assertEqual(payload["card_number"], card.name)
        self.assertEqual(payload["partner_name"], "Acme Wholesale")


@tagged("post_install", "-at_install")
class TestRewardRequestWebhook(WebhookReceiverCommon, RewardCommon):
    def test_reward_request_states_posted(self):
        self._activate("automation_reward_request_webhook", "reward-request")
        request = self._request(self.seminar, self.cashback_card)
        request.action_approve()
        self.assertEqual(
            [(c["path"], c["payload"]["state"]) for c in self.receiver.calls],
            [("/reward-request", "requested"), ("/reward-request", "approved")],
        )
        payload = self.receiver.calls[1]["payload"]
        self.assertEqual(payload["_model"], "loyalty.b2b.reward.request")
        self.assertEqual(payload["_id"], request.id)
        self.assertEqual(payload["reward_id"], self.seminar.id)
        self.assertEqual(payload["reward_name"], "Seminar seat")
        self.assertEqual(payload["cost_amount"], 120.0)
        self.assertEqual(payload["card_number"], self.cashback_card.name)
        self.assertEqual(payload["partner_name"], "Acme Wholesale")
        self.assertTrue(payload["approved_date"])
