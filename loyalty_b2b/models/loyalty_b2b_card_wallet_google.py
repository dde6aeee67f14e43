import re
import time

from odoo import models
from odoo.exceptions import UserError

from . import wallet_crypto

SAVE_URL = "https://pay.google.com/gp/v/save/"
# Google Wallet ids: the issuer id, a dot, then letters, digits, ".", "_", "-".
ID_FORBIDDEN = re.compile(r"[^\w.-]", re.ASCII)
OBJECT_STATES = {
    "pending": "INACTIVE",
    "active": "ACTIVE",
    "blocked": "INACTIVE",
    "expired": "EXPIRED",
}


class LoyaltyB2bCard(models.Model):
    """The card as a Google Wallet loyalty object, saved through a signed
    "Add to Google Wallet" link: the link carries the program's class and the
    card's object, Google creates them when the holder saves the card."""

    _inherit = "loyalty.b2b.card"

    def _get_google_wallet_class_id(self):
        self.ensure_one()
        issuer = self.company_id.b2b_google_issuer_identifier
        return f"{issuer}.loyalty_b2b_program_{self.program_id.id}"

    def _get_google_wallet_object_id(self):
        """The id of the card's object at the environment's pass level."""
        self.ensure_one()
        issuer = self.company_id.b2b_google_issuer_identifier
        return f"{issuer}.{ID_FORBIDDEN.sub('_', self._get_wallet_serial())}"

    def _get_google_wallet_logo_url(self):
        """Public address of the program's logo (the company's without one):
        Google fetches it."""
        self.ensure_one()
        base_url = self.get_base_url()
        if self.program_id.logo:
            return f"{base_url}/loyalty/program/{self.program_id.id}/logo.png"
        return f"{base_url}/web/binary/company_logo?company={self.company_id.id}"

    def _get_google_wallet_class(self):
        """Hook: the loyalty class of the card's program."""
        self.ensure_one()
        return {
            "id": self._get_google_wallet_class_id(),
            "issuerName": self.company_id.name,
            "programName": self.program_id.name,
            "programLogo": {
                "sourceUri": {"uri": self._get_google_wallet_logo_url()},
                "contentDescription": {
                    "defaultValue": {
                        "language": (self.env.lang or "en_US").replace("_", "-"),
                        "value": self.program_id.name,
                    }
                },
            },
            "hexBackgroundColor": self._get_wallet_design()["background_color"],
            "reviewStatus": "UNDER_REVIEW",
        }

    def _get_google_wallet_points(self):
        """Hook: the ``loyaltyPoints`` of the card's object, by program type;
        on the benefits pass a cashback card shows its rate, not its money."""
        self.ensure_one()
        _ = self.env._
        if self.program_type == "cashback" and self._get_wallet_level() != "full":
            return {
                "label": _("Cashback Rate"),
                "balance": {
                    "string": self.program_id._format_percent(self.cashback_percent)
                },
            }
        if self.program_type == "cashback":
            return {
                "label": _("Cashback"),
                "balance": {
                    "money": {
                        "micros": round(self.cashback_available * 1_000_000),
                        "currencyCode": self.currency_id.name,
                    }
                },
            }
        if self.program_type == "stamp":
            return {"label": _("Stamps"), "balance": {"int": self.stamp_count}}
        return {
            "label": _("Discount"),
            "balance": {
                "string": self.program_id._format_percent(self.discount_percent)
            },
        }

    def _get_google_wallet_object(self):
        """Hook: the card's loyalty object, at the environment's pass level."""
        self.ensure_one()
        _ = self.env._
        modules = []
        if self.tier_id:
            modules.append(
                {"id": "tier", "header": _("Tier"), "body": self.tier_id.name}
            )
        next_tier = self._get_next_tier_text()
        if next_tier:
            modules.append(
                {"id": "next_tier", "header": _("Next tier"), "body": next_tier}
            )
        return {
            "id": self._get_google_wallet_object_id(),
            "classId": self._get_google_wallet_class_id(),
            "state": OBJECT_STATES.get(self.state, "INACTIVE"),
            "barcode": {
                "type": "QR_CODE",
                "value": self._get_card_code_value(),
                "alternateText": self.name,
            },
            "accountId": self.name,
            "accountName": self.partner_id.name,
            "loyaltyPoints": self._get_google_wallet_points(),
            "textModulesData": modules,
        }

    def _get_google_wallet_claims(self, client_email):
        """The claims of the card's "save to Google Wallet" token, issued by
        the service account ``client_email``."""
        self.ensure_one()
        return {
            "iss": client_email,
            "aud": "google",
            "typ": "savetowallet",
            "iat": int(time.time()),
            "origins": [self.get_base_url()],
            "payload": {
                "loyaltyClasses": [self._get_google_wallet_class()],
                "loyaltyObjects": [self._get_google_wallet_object()],
            },
        }

    def _get_google_wallet_save_url(self):
        """The card's "Add to Google Wallet" link."""
        self.ensure_one()
        company = self.company_id
        if not company.b2b_has_google_wallet:
            raise UserError(
                self.env._(
                    "Google Wallet passes are not configured for %(company)s: see "
                    "Settings, Wallet passes.",
                    company=company.name,
                )
            )
        client_email, key = company._b2b_get_google_signing_material()
        token = wallet_crypto.sign_jwt_rs256(
            self._get_google_wallet_claims(client_email), key
        )
        return SAVE_URL + token
