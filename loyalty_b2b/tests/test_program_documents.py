import base64

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .common import LoyaltyB2bCommon
from .test_portal_common import PortalCardsCommon

GOLD_BYTES = b"%PDF-1.4\nGold price list: drills at 870.00\n%%EOF\n"
ROADMAP_BYTES = b"Road map 2027\n\x00\x01\x02 binary tail \xff\xfe"
GUIDE_BYTES = b"Cashback guide\n"


class DocumentsCommon(LoyaltyB2bCommon):
    """The volume program's documents: one for its Gold tier, one for every
    member, one archived; one document of the cashback program."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Document = cls.env["loyalty.b2b.document"]
        cls.silver, cls.gold = cls.program_accumulative.tier_ids.sorted("min_amount")
        cls.doc_gold = cls._create_document(
            "Gold price list", GOLD_BYTES, "gold-prices.pdf", tiers=cls.gold
        )
        cls.doc_all = cls._create_document(
            "Road map 2027",
            ROADMAP_BYTES,
            "roadmap.bin",
            description="What comes next year.",
        )
        cls.doc_archived = cls._create_document(
            "Old catalogue", b"old", "old.txt", active=False
        )
        cls.doc_cashback = cls._create_document(
            "Cashback guide",
            GUIDE_BYTES,
            "guide.txt",
            program=cls.program_cashback,
        )

    @classmethod
    def _create_document(
        cls, name, content, file_name, program=None, tiers=None, **vals
    ):
        return cls.env["loyalty.b2b.document"].create(
            {
                "name": name,
                "program_id": (program or cls.program_accumulative).id,
                "tier_ids": [Command.set(tiers.ids if tiers else [])],
                "datas": base64.b64encode(content),
                "file_name": file_name,
                **vals,
            }
        )

    @classmethod
    def _set_spend(cls, card, amount):
        # Through the ORM as corrections do: the tier follows the spend.
        card.write({"spent_amount": amount})


@tagged("post_install", "-at_install")
class TestDocumentRules(DocumentsCommon):
    """Which documents a card opens, and what a document may be reserved to."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.gold_card = cls._create_card(cls.program_accumulative)
        cls._set_spend(cls.gold_card, 20000.0)
        cls.silver_card = cls._create_card(cls.program_accumulative, cls.other_customer)
        cls._set_spend(cls.silver_card, 500.0)
        cls.other_contact = cls.env["res.partner"].create(
            {"name": "Gil Outsider", "parent_id": cls.other_customer.id}
        )

    def test_card_tiers(self):
        self.assertEqual(self.gold_card.tier_id, self.gold)
        self.assertEqual(self.silver_card.tier_id, self.silver)

    def test_tier_decides(self):
        self.assertEqual(
            self.gold_card._get_portal_documents(self.contact),
            self.doc_gold | self.doc_all,
        )
        # The company itself is its own contact.
        self.assertEqual(
            self.gold_card._get_portal_documents(self.customer),
            self.doc_gold | self.doc_all,
        )
        self.assertEqual(
            self.silver_card._get_portal_documents(self.other_contact), self.doc_all
        )
        # A document for Silver and Gold: both see it.
        self.doc_gold.tier_ids = self.silver | self.gold
        self.assertEqual(
            self.silver_card._get_portal_documents(self.other_contact),
            self.doc_gold | self.doc_all,
        )

    def test_tier_change_follows(self):
        self._set_spend(self.gold_card, 100.0)
        self.assertEqual(self.gold_card.tier_id, self.silver)
        self.assertEqual(
            self.gold_card._get_portal_documents(self.contact), self.doc_all
        )
        self._set_spend(self.silver_card, 10000.0)
        self.assertEqual(
            self.silver_card._get_portal_documents(self.other_contact),
            self.doc_gold | self.doc_all,
        )

    def test_only_contacts_of_the_card_company(self):
        Document = self.env["loyalty.b2b.document"]
        self.assertEqual(
            self.gold_card._get_portal_documents(self.other_contact), Document
        )
        self.assertEqual(
            self.gold_card._get_portal_documents(self.env["res.partner"]), Document
        )

    def test_active_document_program_and_card_only(self):
        Document = self.env["loyalty.b2b.document"]
        self.doc_all.action_archive()
        self.assertEqual(
            self.gold_card._get_portal_documents(self.contact), self.doc_gold
        )
        self.doc_archived.action_unarchive()
        self.assertEqual(
            self.gold_card._get_portal_documents(self.contact),
            self.doc_gold | self.doc_archived,
        )
        # Reactivating a card recomputes its tier: the states come last.
        for state in ("blocked", "expired", "pending"):
            with self.subTest(state=state):
                self.gold_card.state = state
                self.assertEqual(
                    self.gold_card._get_portal_documents(self.contact), Document
                )

    def test_archived_program_opens_nothing(self):
        self.program_accumulative.action_archive()
        self.assertEqual(
            self.gold_card._get_portal_documents(self.contact),
            self.env["loyalty.b2b.document"],
        )

    def test_program_without_tiers(self):
        card = self._create_card(self.program_cashback)
        self.assertEqual(card._get_portal_documents(self.contact), self.doc_cashback)
        card = self._create_card(self.program_discount)
        self.assertFalse(card.tier_id)
        self.assertFalse(card._get_portal_documents(self.contact))
        doc = self._create_document(
            "Terms", b"terms", "terms.txt", self.program_discount
        )
        self.assertEqual(card._get_portal_documents(self.contact), doc)

    def test_result_keeps_the_card_environment(self):
        documents = self.gold_card.sudo()._get_portal_documents(self.contact)
        self.assertTrue(documents.env.su)
        documents = self.gold_card._get_portal_documents(self.contact)
        self.assertEqual(documents.env.uid, self.env.uid)
        self.assertFalse(documents.env.su)

    def test_tiers_of_another_program_refused(self):
        plus = self.program_cashback.tier_ids.sorted("min_amount")[1]
        with self.assertRaisesRegex(
            ValidationError,
            r"Document Price list can only be reserved to tiers of its program "
            r"Volume, not to: Plus\.",
        ):
            self._create_document("Price list", b"x", "x.txt", tiers=self.gold | plus)
        with self.assertRaisesRegex(ValidationError, "not to: Plus"):
            self.doc_gold.tier_ids = [Command.link(plus.id)]
        with self.assertRaisesRegex(ValidationError, "not to: Gold"):
            self.doc_gold.program_id = self.program_cashback
        self.doc_all.program_id = self.program_cashback
        self.assertEqual(self.doc_all.company_id, self.program_cashback.company_id)

    def test_last_tier_of_a_document_cannot_be_deleted(self):
        # Deleted, Gold would leave the Gold price list open to Silver cards.
        with self.assertRaisesRegex(
            UserError, r"Documents Gold price list, Old catalogue are reserved"
        ):
            self.doc_archived.tier_ids = self.gold
            self.program_accumulative.tier_ids = [Command.delete(self.gold.id)]
        self.assertTrue(self.gold.exists())
        # Reserved to Silver as well, the document only narrows.
        self.doc_gold.tier_ids = self.silver | self.gold
        self.doc_archived.tier_ids = self.silver
        self.gold.unlink()
        self.assertEqual(self.doc_gold.tier_ids, self.silver)

    def test_file_required(self):
        with self.assertRaisesRegex(ValidationError, "Document Terms needs a file."):
            self.Document.create(
                {"name": "Terms", "program_id": self.program_accumulative.id}
            )
        with self.assertRaisesRegex(ValidationError, "needs a file"):
            self.doc_all.datas = False

    def test_program_form_documents_tab(self):
        self.assertEqual(
            self.program_accumulative.document_ids,
            self.doc_gold | self.doc_all | self.doc_archived,
        )
        with (
            Form(self.program_accumulative) as program_form,
            program_form.document_ids.new() as document,
        ):
            # The tiers offered are the program's: its id is known at once.
            self.assertEqual(document.program_id, self.program_accumulative)
            document.name = "Dealer terms"
            document.datas = base64.b64encode(b"terms")
            document.tier_ids.add(self.silver)
        created = self.program_accumulative.document_ids - (
            self.doc_gold | self.doc_all | self.doc_archived
        )
        self.assertEqual(created.name, "Dealer terms")
        self.assertEqual(created.tier_ids, self.silver)
        self.assertEqual(base64.b64decode(created.datas), b"terms")
        # The file is an attachment of the document, not a column.
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "loyalty.b2b.document"),
                    ("res_id", "=", created.id),
                    ("res_field", "=", "datas"),
                ]
            )
        )
        self.assertEqual(attachment.raw, b"terms")

    @mute_logger("odoo.addons.base.models.ir_model", "odoo.addons.base.models.ir_rule")
    def test_access_rights(self):
        company = self.company
        salesman = new_test_user(
            self.env,
            login="doc_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=company.id,
            company_ids=company.ids,
        )
        portal = new_test_user(
            self.env,
            login="doc_portal",
            groups="base.group_portal",
            partner_id=self.contact.id,
        )
        as_salesman = self.Document.with_user(salesman)
        self.assertEqual(
            as_salesman.search([("program_id", "=", self.program_accumulative.id)]),
            self.doc_gold | self.doc_all,
        )
        with self.assertRaises(AccessError):
            self.doc_gold.with_user(salesman).name = "Renamed"
        with self.assertRaises(AccessError):
            as_salesman.create(
                {"name": "X", "program_id": self.program_accumulative.id}
            )
        with self.assertRaises(AccessError):
            self.Document.with_user(portal).search([])
        with self.assertRaises(AccessError):
            self.doc_all.with_user(portal).read(["name"])


@tagged("post_install", "-at_install")
class TestDocumentsPortal(DocumentsCommon, PortalCardsCommon):
    """The documents on the card's portal page and their download, over
    real HTTP requests, for every kind of visitor."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Acme's volume card is Gold, Globex's Silver.
        cls._set_spend(cls.card_volume, 20000.0)
        cls.silver_card = cls._create_card(cls.program_accumulative, cls.other_customer)
        cls._set_spend(cls.silver_card, 500.0)

    def _url(self, card, document):
        return f"/my/loyalty/{card.id}/document/{document.id}"

    def _listed(self, card):
        page = self._page(f"/my/loyalty/{card.id}")
        return [
            (self._text(link), link.get("href"))
            for link in page.xpath(
                "//div[hasclass('o_b2b_documents')]//a[hasclass('o_b2b_document_download')]"
            )
        ]

    def _download(self, card, document, content, file_name):
        response = self._get(self._url(card, document))
        self.assertEqual(response.content, content)
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertIn(file_name, response.headers["Content-Disposition"])
        self.assertEqual(response.headers["Cache-Control"], "private, no-store")
        return response

    def test_tiers(self):
        self.assertEqual(self.card_volume.tier_id, self.gold)
        self.assertEqual(self.silver_card.tier_id, self.silver)

    def test_gold_contacts_see_and_download(self):
        expected = [
            ("Gold price list", self._url(self.card_volume, self.doc_gold)),
            ("Road map 2027", self._url(self.card_volume, self.doc_all)),
        ]
        # Every role of the Gold company, the lowest ("other") included.
        for login in ("b2b_clerk", "b2b_buyer", "b2b_director", "b2b_company"):
            with self.subTest(login=login):
                self.authenticate(login, login)
                self.assertEqual(self._listed(self.card_volume), expected)
        page = self._page(f"/my/loyalty/{self.card_volume.id}")
        section = self._text(page.xpath("//div[hasclass('o_b2b_documents')]")[0])
        self.assertIn("roadmap.bin", section)
        self.assertIn("What comes next year.", section)
        self.authenticate("b2b_clerk", "b2b_clerk")
        response = self._download(
            self.card_volume, self.doc_gold, GOLD_BYTES, "gold-prices.pdf"
        )
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self._download(self.card_volume, self.doc_all, ROADMAP_BYTES, "roadmap.bin")

    def test_silver_contact_neither_sees_nor_downloads_gold(self):
        self.authenticate("b2b_outsider", "b2b_outsider")
        self.assertEqual(
            self._listed(self.silver_card),
            [("Road map 2027", self._url(self.silver_card, self.doc_all))],
        )
        self._get(self._url(self.silver_card, self.doc_gold), 404)
        self._download(self.silver_card, self.doc_all, ROADMAP_BYTES, "roadmap.bin")

    def test_other_company_card_gives_404(self):
        self.authenticate("b2b_outsider", "b2b_outsider")
        for document in (self.doc_gold, self.doc_all):
            with self.subTest(document=document.name):
                response = self._get(self._url(self.card_volume, document), 404)
                self.assertNotIn(document.name, response.text)
        self._get(f"/my/loyalty/987654/document/{self.doc_all.id}", 404)

    def test_visitor_must_log_in(self):
        self.authenticate(None, None)
        response = self._get(self._url(self.card_volume, self.doc_gold), 303)
        self.assertIn("/web/login", response.headers["Location"])
        self.assertNotEqual(response.content, GOLD_BYTES)

    def test_document_of_another_program_gives_404(self):
        self.authenticate("b2b_clerk", "b2b_clerk")
        self._get(self._url(self.card_volume, self.doc_cashback), 404)
        self._get(self._url(self.card_cashback, self.doc_gold), 404)
        self._get(self._url(self.card_cashback, self.doc_all), 404)
        # Through its own program's card, the same contact downloads it.
        self._download(self.card_cashback, self.doc_cashback, GUIDE_BYTES, "guide.txt")

    def test_archived_or_unknown_document_gives_404(self):
        self.authenticate("b2b_director", "b2b_director")
        self._get(self._url(self.card_volume, self.doc_archived), 404)
        page = self._page(self.card_volume.access_url)
        self.assertNotIn("Old catalogue", self._text(page))
        self._get(f"/my/loyalty/{self.card_volume.id}/document/987654", 404)
        self.doc_gold.action_archive()
        self._get(self._url(self.card_volume, self.doc_gold), 404)
        self.assertEqual(
            [name for name, _url in self._listed(self.card_volume)], ["Road map 2027"]
        )

    def test_card_not_active_opens_nothing(self):
        self.authenticate("b2b_director", "b2b_director")
        for state in ("blocked", "pending", "expired"):
            with self.subTest(state=state):
                self.card_volume.state = state
                self.assertEqual(self._listed(self.card_volume), [])
                self._get(self._url(self.card_volume, self.doc_all), 404)
        self.card_volume.state = "active"
        self.program_accumulative.action_archive()
        self._get(self._url(self.card_volume, self.doc_all), 404)

    def test_documents_appear_on_no_other_page(self):
        self.authenticate("b2b_director", "b2b_director")
        for url in ("/my", "/my/loyalty", f"/my/loyalty/{self.card_stamp.id}"):
            with self.subTest(url=url):
                text = self._get(url).text
                self.assertNotIn("Gold price list", text)
                self.assertNotIn("Road map 2027", text)
                self.assertNotIn("/document/", text)
        # The cashback card's page: the cashback program's document only.
        self.assertEqual(
            self._listed(self.card_cashback),
            [("Cashback guide", self._url(self.card_cashback, self.doc_cashback))],
        )

    def test_shared_link_shows_no_documents(self):
        # A shared link, even signed for a contact, is not a login: the files
        # stay for the members' logged-in contacts.
        self.authenticate(None, None)
        for url in (
            self.card_volume._get_share_url(),
            self.card_volume._get_share_url(pid=self.director.id),
        ):
            with self.subTest(url=url):
                page = self._page(url)
                self.assertIn(self.card_volume.name, self._text(page))
                self.assertFalse(page.xpath("//div[hasclass('o_b2b_documents')]"))
        # Logged in as another company's contact, the token opens the card
        # but not its documents.
        self.authenticate("b2b_outsider", "b2b_outsider")
        page = self._page(self.card_volume._get_share_url())
        self.assertFalse(page.xpath("//div[hasclass('o_b2b_documents')]"))
        self._get(
            f"{self._url(self.card_volume, self.doc_all)}"
            f"?access_token={self.card_volume.access_token}",
            404,
        )

    def test_salesperson_previews_the_company_documents(self):
        new_test_user(
            self.env,
            login="doc_seller",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.authenticate("doc_seller", "doc_seller")
        self.assertEqual(
            [name for name, _url in self._listed(self.silver_card)], ["Road map 2027"]
        )
        self._download(self.silver_card, self.doc_all, ROADMAP_BYTES, "roadmap.bin")
        self._get(self._url(self.silver_card, self.doc_gold), 404)
