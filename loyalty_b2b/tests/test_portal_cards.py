from lxml import html

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .test_i18n import _load_languages
from .test_portal_common import PortalCardsCommon


@tagged("post_install", "-at_install")
class TestPortalCards(PortalCardsCommon):
    """What each contact of the customer company sees of its cards on the
    portal, by its loyalty role, and what the others never see."""

    def _money(self, amount):
        return self.env["ir.qweb.field.monetary"].value_to_html(
            amount, {"display_currency": self.company.currency_id}
        )

    def _card_numbers(self, page):
        return {self._text(link) for link in page.xpath("//table//td/a[@href]")}

    def test_home_counter(self):
        self.authenticate("b2b_buyer", "b2b_buyer")
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["b2b_card_count"]}
        )
        self.assertEqual(counters["b2b_card_count"], 3)
        page = self._page("/my")
        self.assertTrue(page.xpath("//a[@href='/my/loyalty']"))

    def test_pages_speak_the_contact_language(self):
        _load_languages(self.env)
        director = self.env["res.users"].search([("login", "=", "b2b_director")])
        for lang, words in (
            ("uk_UA", ("Картки лояльності", "Рух", "Завантажити виписку")),
            ("ru_RU", ("Карты лояльности", "Движение", "Скачать выписку")),
        ):
            with self.subTest(lang=lang):
                director.lang = lang
                self.authenticate("b2b_director", "b2b_director")
                # The portal moves the visitor to its language's address.
                response = self.url_open(f"/my/loyalty/{self.card_cashback.id}")
                self.assertEqual(response.status_code, 200)
                self.assertIn(f"/{lang[:2]}/my/loyalty/", response.url)
                text = self._text(html.fromstring(response.content))
                for word in words:
                    self.assertIn(word, text)

    def test_list_shows_the_company_cards_only(self):
        own = {self.card_cashback.name, self.card_stamp.name, self.card_volume.name}
        for login in ("b2b_director", "b2b_buyer", "b2b_clerk", "b2b_company"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                page = self._page("/my/loyalty")
                self.assertEqual(self._card_numbers(page), own)
                self.assertNotIn(self.other_card.name, self._text(page))
        self.authenticate("b2b_outsider", "b2b_outsider")
        page = self._page("/my/loyalty")
        self.assertEqual(self._card_numbers(page), {self.other_card.name})

    def test_list_columns_follow_the_role(self):
        balance = self._money(self.card_cashback.cashback_balance)
        self.authenticate("b2b_accountant", "b2b_accountant")
        page = self._page("/my/loyalty?sortby=number")
        self.assertIn("Cashback Balance", self._text(page))
        self.assertIn(self._text(html_fragment(balance)), self._text(page))
        rows = page.xpath("//table//tbody/tr") or page.xpath("//table//tr[td]")
        self.assertEqual(
            [self._text(row.xpath("./td")[0]) for row in rows],
            sorted(
                [self.card_cashback.name, self.card_stamp.name, self.card_volume.name]
            ),
        )
        self.authenticate("b2b_buyer", "b2b_buyer")
        page = self._page("/my/loyalty")
        self.assertNotIn("Cashback Balance", self._text(page))
        self.assertIn("2 / 3 stamps", self._text(page))
        self.authenticate("b2b_clerk", "b2b_clerk")
        page = self._page("/my/loyalty")
        self.assertNotIn("stamps", self._text(page))
        self.assertNotIn("Benefit", self._text(page))

    def test_card_page_by_role(self):
        url = f"/my/loyalty/{self.card_cashback.id}"
        balance = self._text(
            html_fragment(self._money(self.card_cashback.cashback_balance))
        )
        for login in ("b2b_director", "b2b_accountant", "b2b_company"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                page = self._page(url)
                text = self._text(page)
                self.assertIn(self.card_cashback.name, text)
                self.assertIn(balance, text)
                self.assertTrue(page.xpath("//tr[@name='b2b_expiring_30']"))
                self.assertEqual(
                    len(page.xpath("//tbody[hasclass('o_b2b_ledger')]/tr")),
                    len(self.card_cashback.transaction_ids),
                )
                self.assertTrue(page.xpath("//form[contains(@action, '/statement')]"))
        self.authenticate("b2b_buyer", "b2b_buyer")
        page = self._page(url)
        text = self._text(page)
        self.assertIn("Cashback Rate", text)
        self.assertNotIn(balance, text)
        self.assertFalse(page.xpath("//tbody[hasclass('o_b2b_ledger')]"))
        self.assertFalse(page.xpath("//form[contains(@action, '/statement')]"))
        self.authenticate("b2b_clerk", "b2b_clerk")
        page = self._page(url)
        text = self._text(page)
        self.assertIn(self.card_cashback.name, text)
        self.assertIn(self.card_cashback.tier_id.name, text)
        self.assertNotIn("Cashback Rate", text)
        self.assertNotIn(balance, text)

    def test_accountant_downloads_the_statement(self):
        card = self.card_cashback
        balance = self._text(html_fragment(self._money(card.cashback_balance)))
        self.authenticate("b2b_accountant", "b2b_accountant")
        url = f"/my/loyalty/{card.id}/statement?date_from=2019-01-01&date_to=2030-12-31"
        page = self._page(f"{url}&report_type=html")
        text = self._text(page)
        self.assertIn(card.name, text)
        self.assertIn(self.invoice.name, text)
        self.assertIn(balance, text)
        response = self._get(url)
        if response.headers["Content-Type"] == "application/pdf":
            self.assertTrue(response.content.startswith(b"%PDF"))
            self.assertIn(card.name, response.headers["Content-Disposition"])

    def test_expiring_cashback_shows_the_forecast(self):
        card = self.card_cashback
        # Earned today, valid two months: nothing within 30 days, all within 90.
        card.program_id.cashback_validity_months = 2
        self.assertFalse(card.cashback_expiring_30)
        self.assertEqual(card.cashback_expiring_90, card.cashback_balance)
        self.authenticate("b2b_director", "b2b_director")
        page = self._page(f"/my/loyalty/{card.id}")
        for days in (30, 90):
            row = page.xpath(f"//tr[@name='b2b_expiring_{days}']")[0]
            self.assertIn(
                self._text(
                    html_fragment(self._money(card[f"cashback_expiring_{days}"]))
                ),
                self._text(row),
            )

    def test_stamps_and_next_tier_for_procurement(self):
        self.authenticate("b2b_buyer", "b2b_buyer")
        page = self._page(f"/my/loyalty/{self.card_stamp.id}")
        stamps = self._text(page.xpath("//div[hasclass('o_b2b_stamps')]")[0])
        self.assertIn("Stamps 2 / 3", stamps)
        self.assertIn(self.product_training.name, stamps)
        self.assertFalse(page.xpath("//p[hasclass('o_b2b_reward_ready')]"))
        self._add_ledger(self.card_stamp, stamps=1, kind="stamp")
        page = self._page(f"/my/loyalty/{self.card_stamp.id}")
        self.assertTrue(page.xpath("//p[hasclass('o_b2b_reward_ready')]"))
        page = self._page(f"/my/loyalty/{self.card_volume.id}")
        self.assertEqual(
            self._text(page.xpath("//p[hasclass('o_b2b_next_tier')]")[0]),
            " ".join(self.card_volume.next_tier_message.split()),
        )
        self.assertIn(
            "Discount", self._text(page.xpath("//tr[@name='b2b_discount']")[0])
        )

    def test_ledger_links_the_documents_the_user_may_open(self):
        earn = self.card_cashback.transaction_ids.filtered("invoice_id")
        self.assertEqual(earn.invoice_id, self.invoice)
        url = f"/my/loyalty/{self.card_cashback.id}"
        self.authenticate("b2b_director", "b2b_director")
        page = self._page(url)
        self.assertEqual(
            page.xpath("//tbody[hasclass('o_b2b_ledger')]//a/@href"),
            [f"/my/invoices/{self.invoice.id}"],
        )
        # Without a follower in the company, its contacts may not open the
        # invoice on the portal (Odoo's rule): its number, no link.
        self.invoice.message_unsubscribe(self.invoice.message_partner_ids.ids)
        self.authenticate("b2b_accountant", "b2b_accountant")
        page = self._page(url)
        self.assertFalse(page.xpath("//tbody[hasclass('o_b2b_ledger')]//a"))
        self.assertIn(self.invoice.name, self._text(page))

    def test_ledger_is_paged_with_a_fixed_number_of_queries(self):
        url = f"/my/loyalty/{self.card_stamp.id}"
        self.authenticate("b2b_director", "b2b_director")
        self._get(url)
        counts = []
        for entries in (3, 45):
            for _index in range(entries):
                self._add_ledger(self.card_stamp, stamps=1, kind="stamp")
            self.env.flush_all()
            self._get(url)  # warm the caches of what was just written
            before = self.cr.sql_log_count
            page = self._page(url)
            counts.append(self.cr.sql_log_count - before)
            shown = page.xpath("//tbody[hasclass('o_b2b_ledger')]/tr")
            self.assertEqual(len(shown), min(20, len(self.card_stamp.transaction_ids)))
        self.assertEqual(counts[0], counts[1])
        self.assertTrue(page.xpath("//ul[hasclass('pagination')]"))
        page_2 = self._page(f"{url}/page/2")
        self.assertEqual(len(page_2.xpath("//tbody[hasclass('o_b2b_ledger')]/tr")), 20)

    def test_blocked_card_shows_as_blocked(self):
        self.card_volume.state = "blocked"
        self.authenticate("b2b_buyer", "b2b_buyer")
        page = self._page(f"/my/loyalty/{self.card_volume.id}")
        self.assertIn("This card is blocked", self._text(page))
        page = self._page("/my/loyalty")
        self.assertIn("Blocked", self._text(page))


@tagged("post_install", "-at_install")
class TestPortalCardsSecurity(PortalCardsCommon):
    """Another company's cards, ledger and documents answer 404 on every
    route, whatever the id; roles hold through RPC too."""

    def _routes(self, card):
        return [
            f"/my/loyalty/{card.id}",
            f"/my/loyalty/{card.id}/page/2",
            f"/my/loyalty/{card.id}/print",
            f"/my/loyalty/{card.id}/statement?date_from=2019-01-01&date_to=2030-01-01",
        ]

    def test_other_company_ids_give_404(self):
        self.authenticate("b2b_director", "b2b_director")
        for url in [
            *self._routes(self.other_card),
            *self._routes(self.Card.browse(987654)),
        ]:
            with self.subTest(url=url):
                response = self._get(url, 404)
                self.assertNotIn(self.other_card.name, response.text)

    def test_wrong_token_and_public_visitor_give_404(self):
        token = self.other_card._portal_ensure_token()
        self.authenticate(None, None)
        for url in self._routes(self.other_card):
            with self.subTest(url=url):
                self._get(url, 404)
                self._get(
                    f"{url}{'&' if '?' in url else '?'}access_token=x{token}", 404
                )
        self._get("/my/loyalty", 303)

    def test_archived_program_gives_404(self):
        self.program_stamp.action_archive()
        self.authenticate("b2b_director", "b2b_director")
        for url in self._routes(self.card_stamp):
            with self.subTest(url=url):
                self._get(url, 404)
        self.assertNotIn(self.card_stamp.name, self._text(self._page("/my/loyalty")))

    def test_statement_needs_the_full_role(self):
        url = (
            f"/my/loyalty/{self.card_cashback.id}/statement"
            "?date_from=2019-01-01&date_to=2030-12-31&report_type=html"
        )
        for login in ("b2b_buyer", "b2b_clerk"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                self._get(url, 403)
        self.authenticate("b2b_accountant", "b2b_accountant")
        for bad in (
            "date_from=2020-02-01&date_to=2020-01-01",
            "date_from=yesterday&date_to=2020-01-01",
            "date_from=2020-01-01",
        ):
            with self.subTest(bad=bad):
                self._get(f"/my/loyalty/{self.card_cashback.id}/statement?{bad}", 400)

    def test_shared_link_follows_the_signed_contact(self):
        card = self.card_cashback
        balance_text = self._text(
            html_fragment(
                self.env["ir.qweb.field.monetary"].value_to_html(
                    card.cashback_balance, {"display_currency": card.currency_id}
                )
            )
        )
        self.authenticate(None, None)
        # The token alone shows the card, nothing of its money.
        token_url = card._get_share_url()
        page = self._page(token_url)
        self.assertIn(card.name, self._text(page))
        self.assertNotIn(balance_text, self._text(page))
        # Signed for the accountant: what the accountant sees.
        page = self._page(card._get_share_url(pid=self.accountant.id))
        self.assertIn(balance_text, self._text(page))
        # Signed for the procurement manager: benefits, no money.
        page = self._page(card._get_share_url(pid=self.buyer.id))
        self.assertIn("Cashback Rate", self._text(page))
        self.assertNotIn(balance_text, self._text(page))
        # A forged signature, or a contact of another company, is not trusted.
        forged = card._get_share_url(pid=self.buyer.id).replace(
            f"pid={self.buyer.id}", f"pid={self.accountant.id}"
        )
        self.assertNotIn(balance_text, self._text(self._page(forged)))
        outsider = card._get_share_url(pid=self.outsider.id)
        self.assertNotIn(balance_text, self._text(self._page(outsider)))
        self.assertNotIn("Cashback Rate", self._text(self._page(outsider)))

    def test_share_wizard_sends_each_contact_its_link(self):
        wizard = (
            self.env["portal.share"]
            .with_context(
                active_model="loyalty.b2b.card", active_id=self.card_cashback.id
            )
            .create({"partner_ids": [(6, 0, self.director.ids)], "note": "Your card"})
        )
        wizard.action_send_mail()
        message = self.card_cashback.message_ids[:1]
        self.assertEqual(message.partner_ids, self.director)
        self.assertIn(f"pid%3D{self.director.id}", message.body.replace("=", "%3D"))

    def test_portal_rpc_follows_the_role(self):
        def as_user(login, model):
            user = self.env["res.users"].search([("login", "=", login)])
            return self.env[model].with_user(user)

        cards = as_user("b2b_buyer", "loyalty.b2b.card").search([])
        self.assertEqual(
            set(cards.ids),
            {self.card_cashback.id, self.card_stamp.id, self.card_volume.id},
        )
        self.assertEqual(
            cards.browse(self.card_stamp.id).read(["name", "stamp_count"])[0][
                "stamp_count"
            ],
            2,
        )
        with self.assertRaises(AccessError):
            cards.browse(self.card_cashback.id).read(["cashback_balance"])
        self.assertFalse(as_user("b2b_buyer", "loyalty.b2b.transaction").search([]))
        clerk_cards = as_user("b2b_clerk", "loyalty.b2b.card").search([])
        with self.assertRaises(AccessError):
            clerk_cards.browse(self.card_volume.id).read(["discount_percent"])
        self.assertNotIn("discount_percent", clerk_cards[:1].read()[0])
        with self.assertRaises(AccessError):
            clerk_cards.search([("discount_percent", ">", 5)])
        with self.assertRaises(AccessError):
            cards._read_group([], ["tier_id"], ["spent_amount:sum"])
        ledger = as_user("b2b_accountant", "loyalty.b2b.transaction").search([])
        self.assertEqual(ledger.card_id.partner_id, self.customer)
        self.assertIn(self.card_cashback, ledger.card_id)
        outsider_ledger = as_user("b2b_outsider", "loyalty.b2b.transaction").search([])
        self.assertEqual(outsider_ledger.card_id, self.other_card)
        with self.assertRaises(AccessError):
            as_user("b2b_outsider", "loyalty.b2b.transaction").browse(
                self.card_cashback.transaction_ids.ids
            ).read(["amount"])
        with self.assertRaises(AccessError):
            as_user("b2b_outsider", "loyalty.b2b.card").browse(
                self.card_cashback.id
            ).read(["name"])

    def test_new_role_takes_effect_at_once(self):
        user_model = self.env["loyalty.b2b.transaction"].with_user(
            self.env["res.users"].search([("login", "=", "b2b_buyer")])
        )
        self.assertFalse(user_model.search([]))
        self.buyer.b2b_loyalty_role = "accountant"
        self.assertTrue(user_model.search([]))


def html_fragment(markup):
    return html.fragment_fromstring(str(markup), create_parent="div")
