import calendar
import io
import json
import zipfile
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.loyalty_b2b.models.loyalty_b2b_card_wallet import CHANGED_CARDS_KEY

from .test_wallet_common import PASS_TYPE, WalletCommon

DEVICE = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
PUSH = "f" * 64


@tagged("post_install", "-at_install")
class TestWalletPassKit(WalletCommon):
    """Apple's PassKit web service over HTTP, as a phone drives it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.card_cashback
        cls.token = cls.card._get_wallet_auth_token()

    def _url(self, path):
        return f"{self.base_url()}/loyalty/passkit/v1/{path}"

    def _registration_path(self, serial=None, device=DEVICE):
        return f"devices/{device}/registrations/{PASS_TYPE}/{serial or self.card.name}"

    def _call(self, method, path, token=None, body=None, headers=None):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"ApplePass {token}"
        data = body
        if isinstance(body, dict):
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        return self.opener.request(
            method, self._url(path), data=data, headers=headers, timeout=30
        )

    def _set_updated_at(self, card, when):
        card.sudo().write({"wallet_updated_at": when})

    def test_register_list_fetch_unregister(self):
        card = self.card
        past = fields.Datetime.now() - timedelta(hours=2)
        self._set_updated_at(card, past)
        # The ledger entries of the test data are older still.
        card.env.cr.execute(
            "UPDATE loyalty_b2b_transaction SET create_date = %s WHERE card_id = %s",
            [past, card.id],
        )
        response = self._call(
            "POST", self._registration_path(), self.token, {"pushToken": PUSH}
        )
        self.assertEqual(response.status_code, 201)
        registration = card.wallet_registration_ids
        self.assertEqual(
            (registration.device_library_identifier, registration.push_token),
            (DEVICE, PUSH),
        )
        response = self._call(
            "POST", self._registration_path(), self.token, {"pushToken": PUSH}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(card.wallet_registration_ids), 1)

        # Without a tag: every pass of the device.
        response = self._call("GET", f"devices/{DEVICE}/registrations/{PASS_TYPE}")
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        self.assertEqual(answer["serialNumbers"], [card.name])
        tag = answer["lastUpdated"]
        self.assertTrue(tag.isdigit())
        # Nothing changed since the tag.
        listing = f"devices/{DEVICE}/registrations/{PASS_TYPE}?passesUpdatedSince="
        self.assertEqual(self._call("GET", listing + tag).status_code, 204)
        # A ledger entry changes the pass (the card row is left alone). The
        # entry is dated by its transaction, which began with this test: the
        # device's tag is one from before it.
        self._add_ledger(card, amount=5.0)
        self.env.flush_all()
        tag = str(calendar.timegm((past + timedelta(minutes=1)).timetuple()))
        response = self._call("GET", listing + tag)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["serialNumbers"], [card.name])

        # The latest pass, then nothing new since it.
        response = self._call("GET", f"passes/{PASS_TYPE}/{card.name}", self.token)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.headers["Content-Type"], "application/vnd.apple.pkpass"
        )
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            data = json.loads(archive.read("pass.json"))
        self.assertEqual(data["serialNumber"], card.name)
        self.assertEqual(
            data["storeCard"]["primaryFields"][0]["value"], card.cashback_available
        )
        last_modified = response.headers["Last-Modified"]
        response = self._call(
            "GET",
            f"passes/{PASS_TYPE}/{card.name}",
            self.token,
            headers={"If-Modified-Since": last_modified},
        )
        self.assertEqual(response.status_code, 304)
        self.assertFalse(response.content)
        # A change of tier is newer than the phone's copy.
        card.sudo().write({"tier_id": card.program_id.tier_ids[-1].id})
        self._set_updated_at(card, fields.Datetime.now() + timedelta(seconds=5))
        response = self._call(
            "GET",
            f"passes/{PASS_TYPE}/{card.name}",
            self.token,
            headers={"If-Modified-Since": last_modified},
        )
        self.assertEqual(response.status_code, 200)

        response = self._call("DELETE", self._registration_path(), self.token)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(card.wallet_registration_ids)
        response = self._call("GET", f"devices/{DEVICE}/registrations/{PASS_TYPE}")
        self.assertEqual(response.status_code, 204)

    def test_wrong_token_and_unknown_serial_look_the_same(self):
        answers = [
            self._call("POST", self._registration_path(), token, {"pushToken": PUSH})
            for token in (None, "x" + self.token, self.token[:-1])
        ]
        answers += [
            self._call(
                "POST",
                self._registration_path(serial),
                self.token,
                {"pushToken": PUSH},
            )
            # Unknown, and another company's card with this card's token.
            for serial in ("B2B-999999", self.other_card.name)
        ]
        answers += [
            self._call("GET", f"passes/{PASS_TYPE}/{serial}", token)
            for serial, token in (
                (self.card.name, "wrong"),
                ("B2B-999999", self.token),
                (self.card.name, None),
            )
        ]
        answers.append(
            self._call("GET", f"passes/pass.other.type/{self.card.name}", self.token)
        )
        self.assertEqual({answer.status_code for answer in answers}, {401})
        self.assertEqual({answer.content for answer in answers}, {b""})
        self.assertEqual(
            len({answer.headers.get("Content-Type") for answer in answers}), 1
        )
        self.assertFalse(self.card.wallet_registration_ids)

    def test_benefits_pass_has_its_own_serial_and_token(self):
        card = self.card
        serial = f"{card.name}-benefits"
        token = card._get_wallet_auth_token("benefits")
        self.assertNotEqual(token, self.token)
        response = self._call("GET", f"passes/{PASS_TYPE}/{serial}", token)
        self.assertEqual(response.status_code, 200)
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            data = json.loads(archive.read("pass.json"))
        self.assertEqual(data["serialNumber"], serial)
        self.assertEqual(data["authenticationToken"], token)
        self.assertEqual(data["storeCard"]["primaryFields"][0]["key"], "cashback_rate")
        # One pass's token opens neither the other pass nor its registrations;
        # the answer is that of a wrong token.
        answers = [
            self._call("GET", f"passes/{PASS_TYPE}/{card.name}", token),
            self._call("GET", f"passes/{PASS_TYPE}/{serial}", self.token),
            self._call("GET", f"passes/{PASS_TYPE}/{serial}", "wrong"),
            self._call(
                "POST", self._registration_path(serial), self.token, {"pushToken": PUSH}
            ),
            self._call("POST", self._registration_path(), token, {"pushToken": PUSH}),
        ]
        self.assertEqual({answer.status_code for answer in answers}, {401})
        self.assertEqual({answer.content for answer in answers}, {b""})
        self.assertEqual(
            len({answer.headers.get("Content-Type") for answer in answers}), 1
        )
        self.assertFalse(card.wallet_registration_ids)

        # A device holding both passes registers each, and hears of each.
        listing = f"devices/{DEVICE}/registrations/{PASS_TYPE}"
        response = self._call(
            "POST", self._registration_path(serial), token, {"pushToken": PUSH}
        )
        self.assertEqual(response.status_code, 201)
        self.assertEqual(card.wallet_registration_ids.level, "benefits")
        self.assertEqual(self._call("GET", listing).json()["serialNumbers"], [serial])
        response = self._call(
            "POST", self._registration_path(), self.token, {"pushToken": PUSH}
        )
        self.assertEqual(response.status_code, 201)
        self.assertEqual(
            self._call("GET", listing).json()["serialNumbers"], [card.name, serial]
        )
        response = self._call("DELETE", self._registration_path(serial), token)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(card.wallet_registration_ids.level, "full")
        self.assertEqual(
            self._call("GET", listing).json()["serialNumbers"], [card.name]
        )

    def test_bad_and_oversized_bodies(self):
        path = self._registration_path()
        for body in (
            None,
            "not json",
            {"pushToken": ""},
            {"pushToken": 42},
            {"other": PUSH},
            {"pushToken": "x" * 300},
            json.dumps({"pushToken": PUSH, "padding": "x" * 5000}),
        ):
            with self.subTest(body=str(body)[:40]):
                response = self._call("POST", path, self.token, body)
                self.assertEqual(response.status_code, 400)
        response = self._call(
            "POST",
            self._registration_path(device="bad device!"),
            self.token,
            {"pushToken": PUSH},
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.card.wallet_registration_ids)
        response = self._call(
            "GET", f"devices/{DEVICE}/registrations/{PASS_TYPE}?passesUpdatedSince=x"
        )
        self.assertEqual(response.status_code, 400)

    def test_registrations_per_card_are_bounded(self):
        self.env["loyalty.b2b.wallet.registration"].create(
            [
                {
                    "card_id": self.card.id,
                    "device_library_identifier": f"device{index}",
                    "pass_type_identifier": PASS_TYPE,
                    "push_token": PUSH,
                }
                for index in range(20)
            ]
        )
        response = self._call(
            "POST", self._registration_path(), self.token, {"pushToken": PUSH}
        )
        self.assertEqual(response.status_code, 429)
        self.assertEqual(len(self.card.wallet_registration_ids), 20)

    def test_log(self):
        with self.assertLogs("odoo.addons.loyalty_b2b.controllers.passkit") as logs:
            response = self._call(
                "POST", "log", body={"logs": [f"line {i}" for i in range(50)]}
            )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(logs.records), 20)
        self.assertEqual(
            self._call(
                "POST", "log", body=json.dumps({"logs": ["x" * 20000]})
            ).status_code,
            400,
        )
        self.assertEqual(self._call("POST", "log", body={"logs": "x"}).status_code, 400)

    def test_modification_time_moves_with_what_the_pass_shows(self):
        card = self.card_stamp
        past = fields.Datetime.now() - timedelta(days=1)
        self._set_updated_at(card, past)
        card.sudo().tier_reached_date = fields.Date.today()
        self.assertEqual(card.wallet_updated_at, past, "not on the pass")
        card.action_block()
        self.assertGreater(card.wallet_updated_at, past)
        self._set_updated_at(card, past)
        self.program_stamp.name = "Stamps renamed"
        self.assertGreater(card.wallet_updated_at, past)
        self._set_updated_at(card, past)
        self.program_stamp.write(
            {"card_background_color": "#FFFFFF", "card_text_color": "#000000"}
        )
        self.assertGreater(card.wallet_updated_at, past, "design changed")
        self._set_updated_at(card, past)
        card.env.cr.execute(
            "UPDATE loyalty_b2b_transaction SET create_date = %s WHERE card_id = %s",
            [past, card.id],
        )
        self.assertEqual(card._get_wallet_modified_at()[card], past)
        entry = self._add_ledger(card, stamps=1, kind="stamp")
        entry.flush_recordset()
        self.assertGreater(card._get_wallet_modified_at()[card], past)
        # The card row is not written by a ledger entry.
        self.assertEqual(card.wallet_updated_at, past)

    def test_notifier_is_off_by_default_and_called_in_one_batch(self):
        self.env["loyalty.b2b.wallet.registration"].create(
            {
                "card_id": self.card.id,
                "device_library_identifier": DEVICE,
                "pass_type_identifier": PASS_TYPE,
                "push_token": PUSH,
            }
        )
        self.env.cr.precommit.clear()
        self._add_ledger(self.card_stamp, stamps=1, kind="stamp")
        self.assertNotIn(CHANGED_CARDS_KEY, self.env.cr.precommit.data)
        self.company.b2b_wallet_send_updates = True
        self._add_ledger(self.card_stamp, stamps=1, kind="stamp")
        self.card.sudo().write({"tier_id": self.card.program_id.tier_ids[-1].id})
        with (
            self.assertLogs(
                "odoo.addons.loyalty_b2b.models.loyalty_b2b_wallet_notifier"
            ) as logs,
            mute_logger("odoo.models.unlink"),
        ):
            self.env.cr.precommit.run()
        messages = [record.getMessage() for record in logs.records]
        self.assertEqual(len(messages), 2, messages)
        self.assertIn("1 device(s)", messages[0])
        self.assertIn("2 card(s)", messages[1])
