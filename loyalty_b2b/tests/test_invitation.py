from datetime import date

from freezegun import freeze_time
from lxml import html

from odoo import http
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .test_invitation_common import InvitationCommon


@tagged("post_install", "-at_install")
class TestInvitationAcceptance(InvitationCommon, HttpCase):
    """The public pages of an invitation, as the invited contact opens them
    from its email: without an account, the token is the only key."""

    def setUp(self):
        super().setUp()
        self.authenticate(None, None)

    def _open(self, invitation, status=200):
        response = self.url_open(f"/loyalty/invitation/{invitation.token}")
        self.assertEqual(response.status_code, status)
        return response

    def _accept(self, invitation, status=200):
        response = self.url_open(
            f"/loyalty/invitation/{invitation.token}/accept",
            data={"csrf_token": http.Request.csrf_token(self)},
        )
        self.assertEqual(response.status_code, status)
        return response

    def _cards(self, partner=None):
        return self.Card.search(
            [
                ("program_id", "=", self.program_invite.id),
                ("partner_id", "=", (partner or self.customer).id),
            ]
        )

    @staticmethod
    def _text(response):
        return " ".join(html.fromstring(response.content).text_content().split())

    def test_accept(self):
        invitation = self._invite()
        self.assertEqual(invitation.state, "sent")
        self.assertFalse(self.contact.b2b_loyalty_mail)
        page = self._text(self._open(invitation))
        self.assertIn("Dealer Club", page)
        self.assertIn("Acme Wholesale", page)
        self.assertIn("Accept the invitation", page)

        response = self._accept(invitation)
        card = self._cards()
        self.assertRecordValues(
            card, [{"state": "active", "partner_id": self.customer.id}]
        )
        self.assertRecordValues(invitation, [{"state": "accepted", "card_id": card.id}])
        self.assertTrue(invitation.accepted_date)
        self.assertTrue(self.contact.b2b_loyalty_mail)
        # The card's portal page, opened by its access token as the contact.
        tree = html.fromstring(response.content)
        link = tree.xpath("//a[contains(@href, '/my/loyalty/')]/@href")[0]
        self.assertIn(f"/my/loyalty/{card.id}?access_token={card.access_token}", link)
        self.assertIn(f"pid={self.contact.id}", link)
        self.assertIn(card.name, self._text(response))
        card_page = self.url_open(link)
        self.assertEqual(card_page.status_code, 200)
        self.assertIn(card.name, self._text(card_page))

    def test_accept_twice(self):
        invitation = self._invite()
        self._accept(invitation)
        card = self._cards()
        # The second click, or the email's link again: the same card.
        response = self._accept(invitation)
        self.assertEqual(self._cards(), card)
        self.assertIn(card.name, self._text(response))
        self.assertIn(card.name, self._text(self._open(invitation)))
        self.assertEqual(invitation.state, "accepted")

    def test_expired(self):
        with freeze_time("2025-03-01"):
            invitation = self._invite()
        self.assertEqual(invitation.expiration_date, date(2025, 3, 15))
        with freeze_time("2025-03-15 12:00:00"):
            self._open(invitation)
        with freeze_time("2025-03-16 12:00:00"):
            page = self._text(self._open(invitation, status=410))
            self.assertIn("expired", page)
            self.assertNotIn("Accept the invitation", page)
            self._accept(invitation, status=410)
        self.assertFalse(self._cards())
        self.assertEqual(invitation.state, "sent")

    def test_revoked(self):
        invitation = self._invite()
        invitation.action_revoke()
        self.assertEqual(invitation.state, "revoked")
        self.assertIn("withdrawn", self._text(self._open(invitation, status=410)))
        self.assertIn("withdrawn", self._text(self._accept(invitation, status=410)))
        self.assertFalse(self._cards())

    @mute_logger("odoo.http")
    def test_unknown_token(self):
        invitation = self._invite()
        for token in ("nope", invitation.token[:-1], invitation.token + "x"):
            with self.subTest(token=token):
                response = self.url_open(f"/loyalty/invitation/{token}")
                self.assertEqual(response.status_code, 404)
                response = self.url_open(
                    f"/loyalty/invitation/{token}/accept",
                    data={"csrf_token": http.Request.csrf_token(self)},
                )
                self.assertEqual(response.status_code, 404)
        self.assertFalse(self._cards())

    def test_accept_needs_csrf(self):
        invitation = self._invite()
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/loyalty/invitation/{invitation.token}/accept",
                data={"csrf_token": "x"},
            )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(invitation.state, "sent")
        self.assertFalse(self._cards())

    def test_ineligible_at_acceptance(self):
        invitation = self._invite()
        # The dealer tag was removed after the invitation was sent.
        self.customer.category_id = False
        response = self._accept(invitation, status=409)
        self.assertIn("cannot join", self._text(response))
        self.assertFalse(self._cards())
        self.assertEqual(invitation.state, "sent")
        self.assertFalse(self.contact.b2b_loyalty_mail)

    def test_card_issued_meanwhile(self):
        invitation = self._invite()
        card = self._create_card(self.program_invite)
        response = self._accept(invitation, status=409)
        self.assertIn("already holds a card", self._text(response))
        self.assertEqual(self._cards(), card)
        self.assertEqual(invitation.state, "sent")

    def test_program_ended(self):
        invitation = self._invite()
        self.program_invite.date_to = date(2020, 1, 1)
        self._accept(invitation, status=409)
        self.assertFalse(self._cards())
