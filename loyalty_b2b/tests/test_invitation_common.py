from .common import LoyaltyB2bCommon


class InvitationCommon(LoyaltyB2bCommon):
    """A program that enrols dealers by invitation, a dealer company with a
    contact, and a company that is no dealer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Invitation = cls.env["loyalty.b2b.invitation"]
        cls.program_invite = cls.Program.create(
            {
                "name": "Dealer Club",
                "program_type": "discount",
                "discount_percent": 5,
                "enrolment": "invitation",
                "invitation_validity_days": 14,
                "partner_category_ids": [cls.tag_dealer.id],
            }
        )
        cls.customer.write(
            {"category_id": [cls.tag_dealer.id], "email": "office@acme.example.com"}
        )
        cls.contact.email = "ann@acme.example.com"
        cls.other_customer.email = "info@globex.example.com"

    @classmethod
    def _invite(cls, partner=None, contact=None, program=None):
        """An invitation created as the wizard does, without its email."""
        partner = partner or cls.customer
        contact = contact or cls.contact
        return cls.Invitation.create(
            {
                "program_id": (program or cls.program_invite).id,
                "partner_id": partner.id,
                "contact_id": contact.id,
                "email": contact.email,
            }
        )
