import re

from odoo import Command
from odoo.tests import tagged
from odoo.tools import format_amount, mute_logger

from .test_portal_common import PortalCardsCommon


class RewardPortalCommon(PortalCardsCommon):
    """The cashback card (Base tier, 55.00 free) and the stamp card (2
    stamps) of PortalCardsCommon, with a catalogue covering each portal
    label."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Reward = cls.env["loyalty.b2b.reward"]
        cls.Request = cls.env["loyalty.b2b.reward.request"]
        cls.tier_base, cls.tier_plus = cls.program_cashback.tier_ids.sorted(
            "min_amount"
        )
        cls.reward_voucher = cls._create_reward("Shop voucher", 100.0)
        cls.reward_training = cls._create_reward(
            "Buyer training",
            20.0,
            reward_type="service",
            contact_role="procurement",
            description="<p>One day on our product range.</p>",
        )
        cls.reward_closing = cls._create_reward(
            "Year-end closing workshop", 10.0, contact_role="accountant"
        )
        cls.reward_gold = cls._create_reward(
            "Factory visit", 30.0, tier_ids=[Command.set(cls.tier_plus.ids)]
        )
        cls.reward_teaser = cls._create_reward(
            "Trade fair pass",
            30.0,
            tier_ids=[Command.set(cls.tier_plus.ids)],
            tier_teaser=True,
        )
        cls.reward_seats = cls._create_reward(
            "Seminar seat",
            10.0,
            reward_type="service",
            has_stock=True,
            stock_quantity=3,
        )
        cls.reward_sold_out = cls._create_reward(
            "Demo kit", 10.0, has_stock=True, stock_quantity=1
        )
        cls.reward_limited = cls._create_reward(
            "Display stand", 5.0, limit_count=1, limit_period="year"
        )
        cls.reward_stamp_seminar = cls.Reward.create(
            {
                "name": "Seminar",
                "program_id": cls.program_stamp.id,
                "product_id": cls.product_training.id,
                "reward_type": "service",
                "cost_stamps": 4,
            }
        )
        # The stamp program's own reward: 3 stamps, the card holds 2.
        cls.reward_stamp_own = cls.program_stamp.stamp_reward_id
        # The other company took the only demo kit; Acme asked for its stand.
        cls.Request.create(
            {"card_id": cls.other_card.id, "reward_id": cls.reward_sold_out.id}
        ).action_approve()
        # Asked by the buyer on the portal.
        buyer_user = cls.buyer.user_ids
        cls.limited_request = (
            cls.Request.with_user(buyer_user)
            .sudo()
            .create(
                {
                    "card_id": cls.card_cashback.id,
                    "reward_id": cls.reward_limited.id,
                    "contact_id": cls.buyer.id,
                }
            )
        )

    @classmethod
    def _create_reward(cls, name, cost, **vals):
        return cls.Reward.create(
            {
                "name": name,
                "program_id": cls.program_cashback.id,
                "product_id": cls.product_paper.id,
                "cost_amount": cost,
                **vals,
            }
        )

    def _amount(self, amount):
        """The amount as the page's text reads it (spaces normalised)."""
        return " ".join(
            format_amount(self.env, amount, self.company.currency_id).split()
        )

    def _card_url(self, card=None):
        return f"/my/loyalty/{(card or self.card_cashback).id}"

    def _rewards(self, page):
        """``{reward name: reason or "Request"}`` as the page lists them."""
        result = {}
        for box in page.xpath("//div[hasclass('o_b2b_reward')]"):
            name = self._text(box.xpath(".//*[hasclass('o_b2b_reward_name')]")[0])
            reason = box.xpath(".//*[hasclass('o_b2b_reward_reason')]")
            form = box.xpath(".//form[hasclass('o_b2b_reward_request_form')]")
            self.assertNotEqual(bool(reason), bool(form), name)
            result[name] = self._text(reason[0]) if reason else "Request"
        return result

    def _csrf(self, card=None):
        # The page's own token (in its forms, and in the layout's script
        # when it shows no form).
        content = self._get(self._card_url(card)).text
        return re.search(r'csrf_token: "([^"]+)"', content).group(1)

    def _post(self, url, data, status=303, csrf=True, card=None):
        if csrf:
            data = dict(data, csrf_token=self._csrf(card))
        response = self.url_open(url, data=data, allow_redirects=False)
        self.assertEqual(
            response.status_code, status, f"{url}\n{response.text[-1500:]}"
        )
        return response

    def _request_url(self, reward, card=None):
        return f"{self._card_url(card)}/reward/{reward.id}/request"

    def _cancel_url(self, reward_request, card=None):
        return f"{self._card_url(card)}/reward-request/{reward_request.id}/cancel"

    def _alert(self, card=None):
        page = self._page(self._card_url(card))
        alerts = page.xpath("//div[hasclass('o_b2b_reward_alert')]")
        return (alerts[0].get("class"), self._text(alerts[0])) if alerts else None

    def _new_requests(self):
        return self.Request.search([("id", ">", self.limited_request.id)])


@tagged("post_install", "-at_install")
class TestRewardPortal(RewardPortalCommon):
    def test_catalogue_labels_for_the_decision_maker(self):
        card = self.card_cashback
        self.assertEqual(card.tier_id, self.tier_base)
        self.assertEqual(card.cashback_available, 55.0)
        self.authenticate("b2b_director", "b2b_director")
        page = self._page(self._card_url())
        missing = self._amount(45.0)
        self.assertEqual(
            self._rewards(page),
            {
                "Shop voucher": f"{missing} more cashback",
                "Buyer training": "Request",
                "Year-end closing workshop": "Request",
                "Trade fair pass": "Plus only",
                "Seminar seat": "Request",
                "Demo kit": "Out of stock",
                "Display stand": "Limit reached for this period",
            },
        )
        # Reserved to Plus without teaser: not even named.
        self.assertNotIn("Factory visit", self._text(page))
        box = page.xpath(
            f"//div[@data-reward-id='{self.reward_seats.id}']"
            "//*[hasclass('o_b2b_reward_stock')]"
        )
        self.assertEqual(self._text(box[0]), "3 seats left")
        # Out of stock says so once, without a "0 left" badge.
        self.assertFalse(
            page.xpath(
                f"//div[@data-reward-id='{self.reward_sold_out.id}']"
                "//*[hasclass('o_b2b_reward_stock')]"
            )
        )
        box = page.xpath(f"//div[@data-reward-id='{self.reward_training.id}']")[0]
        self.assertEqual(
            self._text(box.xpath(".//*[hasclass('o_b2b_reward_cost')]")[0]),
            self._amount(20.0),
        )
        self.assertIn("One day on our product range.", self._text(box))
        self.assertEqual(box.xpath(".//textarea[@name='note']/@maxlength"), ["1000"])
        # A reward for procurement: the first procurement manager by default.
        options = box.xpath(".//select[@name='contact_id']/option")
        self.assertEqual(
            {option.get("value") for option in options},
            {
                str(partner.id)
                for partner in (
                    self.contact,
                    self.director,
                    self.accountant,
                    self.buyer,
                    self.clerk,
                )
            },
        )
        selected = [option.get("value") for option in options if option.get("selected")]
        self.assertEqual(selected, [str(self.buyer.id)])
        # The company's requests: the stand asked for the buyer.
        rows = page.xpath("//tbody[hasclass('o_b2b_reward_requests')]/tr")
        self.assertEqual(len(rows), 1)
        cells = [self._text(cell) for cell in rows[0].xpath("./td")]
        self.assertEqual(
            cells[:1] + cells[2:5],
            [self.limited_request.name, "Display stand", self.buyer.name, "Requested"],
        )

    def test_stamp_labels(self):
        self.authenticate("b2b_director", "b2b_director")
        page = self._page(self._card_url(self.card_stamp))
        self.assertEqual(
            self._rewards(page),
            {"Training day": "1 more stamp", "Seminar": "2 more stamps"},
        )
        # Procurement sees the stamps, the other contacts only the fact.
        self.reward_stamp_seminar.contact_role = "other"
        self.authenticate("b2b_clerk", "b2b_clerk")
        page = self._page(self._card_url(self.card_stamp))
        self.assertEqual(
            self._rewards(page),
            {"Training day": "For decision makers", "Seminar": "Not enough stamps"},
        )

    def test_labels_by_role(self):
        self.authenticate("b2b_buyer", "b2b_buyer")
        self.reward_voucher.contact_role = "procurement"
        self.assertEqual(
            self._rewards(self._page(self._card_url())),
            {
                # The buyer does not see the card's money.
                "Shop voucher": "Not enough cashback",
                "Buyer training": "Request",
                "Year-end closing workshop": "For accountants",
                "Trade fair pass": "Plus only",
                "Seminar seat": "For decision makers",
                "Demo kit": "For decision makers",
                "Display stand": "For decision makers",
            },
        )
        self.authenticate("b2b_accountant", "b2b_accountant")
        page = self._page(self._card_url())
        labels = self._rewards(page)
        self.assertEqual(labels["Buyer training"], "For procurement managers")
        self.assertEqual(labels["Year-end closing workshop"], "Request")
        self.assertEqual(labels["Seminar seat"], "For decision makers")
        # The accountant follows the company's requests, without cancelling.
        rows = page.xpath("//tbody[hasclass('o_b2b_reward_requests')]/tr")
        self.assertEqual(len(rows), 1)
        self.assertFalse(page.xpath("//button[hasclass('o_b2b_reward_cancel')]"))

    def test_shared_link_and_salesperson_show_no_catalogue(self):
        card = self.card_cashback
        card._portal_ensure_token()
        self.authenticate(None, None)
        page = self._page(f"{self._card_url()}?access_token={card.access_token}")
        self.assertIn(card.name, self._text(page))
        self.assertFalse(page.xpath("//section[hasclass('o_b2b_rewards')]"))
        self.authenticate("b2b_outsider", "b2b_outsider")
        page = self._page(f"{self._card_url()}?access_token={card.access_token}")
        self.assertFalse(page.xpath("//section[hasclass('o_b2b_rewards')]"))
        # The discount card has no catalogue.
        self.authenticate("b2b_director", "b2b_director")
        page = self._page(self._card_url(self.card_volume))
        self.assertFalse(page.xpath("//section[hasclass('o_b2b_rewards')]"))

    def test_decision_maker_requests_for_the_buyer(self):
        self.authenticate("b2b_director", "b2b_director")
        response = self._post(
            self._request_url(self.reward_training),
            {"note": "  Two people would come.  ", "contact_id": self.buyer.id},
        )
        self.assertTrue(
            response.headers["Location"].endswith(
                "/my/loyalty/%s#b2b_rewards" % self.card_cashback.id
            )
        )
        reward_request = self._new_requests()
        self.assertEqual(len(reward_request), 1)
        self.assertRecordValues(
            reward_request,
            [
                {
                    "card_id": self.card_cashback.id,
                    "reward_id": self.reward_training.id,
                    "contact_id": self.buyer.id,
                    "partner_id": self.customer.id,
                    "state": "requested",
                    "cost_amount": 20.0,
                    "note": "Two people would come.",
                    "user_id": self.program_cashback.signup_user_id.id,
                }
            ],
        )
        # The requester and the contact follow it; the salesperson reviews it.
        self.assertLessEqual(
            self.director | self.buyer, reward_request.message_partner_ids
        )
        self.assertEqual(
            reward_request.activity_ids.user_id, self.program_cashback.signup_user_id
        )
        self.assertEqual(
            self._alert(),
            (
                "alert alert-success o_b2b_reward_alert",
                (
                    f"Request {reward_request.name} for Buyer training sent: your "
                    "salesperson will review it."
                ),
            ),
        )
        # Shown once.
        self.assertIsNone(self._alert())
        page = self._page(self._card_url())
        row = page.xpath(
            f"//tbody[hasclass('o_b2b_reward_requests')]"
            f"/tr[@data-request-id='{reward_request.id}']"
        )[0]
        self.assertEqual(
            self._text(row.xpath(".//*[hasclass('o_b2b_reward_request_state')]")[0]),
            "Requested",
        )
        self.assertTrue(row.xpath(".//button[hasclass('o_b2b_reward_cancel')]"))

    def test_procurement_requests_its_reward_only(self):
        self.authenticate("b2b_buyer", "b2b_buyer")
        self._post(self._request_url(self.reward_training), {"note": ""})
        reward_request = self._new_requests()
        self.assertRecordValues(
            reward_request,
            [{"contact_id": self.buyer.id, "state": "requested", "note": False}],
        )
        with mute_logger("odoo.http"):
            self._post(self._request_url(self.reward_seats), {}, status=403)
        self.assertEqual(self._new_requests(), reward_request)

    def test_accountant_and_clerk_cannot_request_others_rewards(self):
        for login in ("b2b_accountant", "b2b_clerk"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                with mute_logger("odoo.http"):
                    self._post(self._request_url(self.reward_training), {}, status=403)
                    self._post(self._request_url(self.reward_seats), {}, status=403)
        self.assertFalse(self._new_requests())
        self.authenticate("b2b_accountant", "b2b_accountant")
        self._post(self._request_url(self.reward_closing), {})
        self.assertEqual(self._new_requests().contact_id, self.accountant)

    def test_tier_reserved_reward(self):
        self.authenticate("b2b_director", "b2b_director")
        with mute_logger("odoo.http"):
            self._post(self._request_url(self.reward_gold), {}, status=404)
        self._post(self._request_url(self.reward_teaser), {})
        self.assertFalse(self._new_requests())
        self.assertEqual(
            self._alert(),
            (
                "alert alert-danger o_b2b_reward_alert",
                "Reward Trade fair pass is reserved to the tiers Plus.",
            ),
        )

    def test_refused_by_the_rules(self):
        self.authenticate("b2b_director", "b2b_director")
        for reward, message in (
            (
                self.reward_sold_out,
                "Reward Demo kit is out of stock: all 1 were given.",
            ),
            (
                self.reward_limited,
                (
                    f"{self.customer.display_name} already requested Display stand 1 "
                    "times this period (Year): that is its limit."
                ),
            ),
            (
                self.reward_voucher,
                (
                    f"Card {self.card_cashback.display_name} has "
                    f"{self._amount(55.0)} of cashback free; Shop voucher costs "
                    f"{self._amount(100.0)}."
                ),
            ),
        ):
            with self.subTest(reward=reward.name):
                self._post(self._request_url(reward), {})
                self.assertEqual(
                    self._alert(), ("alert alert-danger o_b2b_reward_alert", message)
                )
        self.assertFalse(self._new_requests())
        # Too long a message (the form's maxlength bypassed).
        self._post(self._request_url(self.reward_seats), {"note": "x" * 1001})
        self.assertEqual(
            self._alert(),
            (
                "alert alert-danger o_b2b_reward_alert",
                "Your message is too long: at most 1000 characters.",
            ),
        )
        self.assertFalse(self._new_requests())

    def test_other_company_and_program_ids(self):
        other_request = self.Request.search(
            [("card_id", "=", self.other_card.id)], limit=1
        )
        self.authenticate("b2b_outsider", "b2b_outsider")
        with mute_logger("odoo.http"):
            for url in (
                self._request_url(self.reward_training),
                self._cancel_url(self.limited_request),
            ):
                with self.subTest(url=url):
                    self._post(url, {}, status=404, card=self.other_card)
            # Its own card, with a request of another card.
            self._post(
                self._cancel_url(self.limited_request, self.other_card),
                {},
                status=404,
                card=self.other_card,
            )
        self.authenticate("b2b_director", "b2b_director")
        with mute_logger("odoo.http"):
            self._get(self._card_url(self.other_card), status=404)
            for url in (
                self._request_url(self.reward_training, self.other_card),
                self._cancel_url(other_request, self.other_card),
                # A reward of the stamp program on the cashback card.
                self._request_url(self.reward_stamp_seminar),
                # Another card's request on this card.
                self._cancel_url(other_request),
                # The contact it is for: another company's.
            ):
                with self.subTest(url=url):
                    self._post(url, {}, status=404)
            self._post(
                self._request_url(self.reward_training),
                {"contact_id": self.outsider.id},
                status=404,
            )
        self.assertFalse(self._new_requests())
        self.assertEqual(self.limited_request.state, "requested")
        self.assertEqual(other_request.state, "approved")

    def test_missing_csrf(self):
        self.authenticate("b2b_director", "b2b_director")
        with mute_logger("odoo.http"):
            for url in (
                self._request_url(self.reward_seats),
                self._cancel_url(self.limited_request),
            ):
                self._post(url, {"note": "Hi"}, status=400, csrf=False)
            response = self.url_open(self._request_url(self.reward_seats))
            self.assertEqual(response.status_code, 405)
        self.assertFalse(self._new_requests())
        self.assertEqual(self.limited_request.state, "requested")

    def test_public_user_is_sent_to_login(self):
        self.authenticate(None, None)
        response = self.url_open(
            self._request_url(self.reward_seats),
            data={"note": "Hi"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])
        self.assertFalse(self._new_requests())

    def test_cancel(self):
        # The buyer asked for the stand: the clerk may not cancel it, the
        # buyer and the decision makers may.
        self.authenticate("b2b_clerk", "b2b_clerk")
        page = self._page(self._card_url())
        self.assertFalse(page.xpath("//button[hasclass('o_b2b_reward_cancel')]"))
        with mute_logger("odoo.http"):
            self._post(self._cancel_url(self.limited_request), {}, status=403)
        self.assertEqual(self.limited_request.state, "requested")
        self.authenticate("b2b_buyer", "b2b_buyer")
        page = self._page(self._card_url())
        self.assertTrue(page.xpath("//button[hasclass('o_b2b_reward_cancel')]"))
        self._post(self._cancel_url(self.limited_request), {})
        self.assertEqual(self.limited_request.state, "cancelled")
        self.assertEqual(
            self._alert(),
            (
                "alert alert-success o_b2b_reward_alert",
                f"Request {self.limited_request.name} cancelled.",
            ),
        )
        # Cancelled: the limit is free again, and it cannot be cancelled twice.
        labels = self._rewards(self._page(self._card_url()))
        self.assertEqual(labels["Display stand"], "For decision makers")
        self._post(self._cancel_url(self.limited_request), {})
        self.assertEqual(
            self._alert(),
            (
                "alert alert-danger o_b2b_reward_alert",
                (
                    f"Request {self.limited_request.name} is Cancelled: it can no "
                    "longer be cancelled here. Please contact your salesperson."
                ),
            ),
        )

    def test_decision_maker_cancels_a_colleague_request(self):
        self.authenticate("b2b_director", "b2b_director")
        self.assertEqual(
            self._rewards(self._page(self._card_url()))["Display stand"],
            "Limit reached for this period",
        )
        self._post(self._cancel_url(self.limited_request), {})
        self.assertEqual(self.limited_request.state, "cancelled")
        self.assertEqual(
            self._rewards(self._page(self._card_url()))["Display stand"], "Request"
        )
        # An approved request is the salesperson's to cancel.
        self._post(self._request_url(self.reward_seats), {})
        seat = self._new_requests()
        seat.action_approve()
        page = self._page(self._card_url())
        self.assertEqual(
            self._text(
                page.xpath(
                    f"//tr[@data-request-id='{seat.id}']"
                    "//*[hasclass('o_b2b_reward_request_state')]"
                )[0]
            ),
            "Approved",
        )
        self.assertFalse(
            page.xpath(
                f"//tr[@data-request-id='{seat.id}']"
                "//button[hasclass('o_b2b_reward_cancel')]"
            )
        )
        self._post(self._cancel_url(seat), {})
        self.assertEqual(seat.state, "approved")
        stock = page.xpath(
            f"//div[@data-reward-id='{self.reward_seats.id}']"
            "//*[hasclass('o_b2b_reward_stock')]"
        )
        self.assertEqual(self._text(stock[0]), "2 seats left")


@tagged("post_install", "-at_install")
class TestRewardPortalStatus(RewardPortalCommon):
    """The statuses straight from the model, and their cost in queries."""

    def test_status_of_one_reward(self):
        card = self.card_cashback
        self.assertEqual(
            self.reward_training._get_portal_status(card, self.buyer), (True, None)
        )
        self.assertEqual(
            self.reward_training._get_portal_status(card, self.clerk),
            (False, "For procurement managers"),
        )
        self.reward_training.contact_role = False
        self.assertEqual(
            self.reward_training._get_portal_status(card, self.buyer),
            (False, "For decision makers"),
        )
        self.reward_limited.limit_period = "always"
        self.assertEqual(
            self.reward_limited._get_portal_status(card, self.director),
            (False, "Limit reached"),
        )
        # Last year's request does not count against this year's limit.
        self.reward_limited.limit_period = "year"
        self.limited_request.request_date = "2001-06-01"
        self.assertEqual(
            self.reward_limited._get_portal_status(card, self.director), (True, None)
        )
        card.action_block()
        self.assertEqual(
            self.reward_limited._get_portal_status(card, self.director),
            (False, "Card not active"),
        )

    def test_queries_do_not_grow_with_the_catalogue(self):
        card = self.card_cashback
        rewards = self.Reward.search([("program_id", "=", card.program_id.id)])

        def count_queries(records):
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            records.with_env(self.env)._get_portal_statuses(card, self.director)
            return self.cr.sql_log_count - before

        few = count_queries(rewards[:3])
        for index in range(5):
            self._create_reward(
                f"Extra {index}",
                5.0,
                has_stock=True,
                stock_quantity=5,
                limit_count=2,
                limit_period=("month", "quarter", "year", "always", "month")[index],
                tier_ids=[Command.set(self.tier_base.ids)],
            )
        many = self.Reward.search([("program_id", "=", card.program_id.id)])
        self.assertEqual(len(many), 13)
        self.assertLessEqual(count_queries(many), few + 2)
