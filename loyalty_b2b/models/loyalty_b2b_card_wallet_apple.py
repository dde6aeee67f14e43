import base64

from markupsafe import Markup

from odoo import models
from odoo.exceptions import UserError

from . import wallet_pkpass

PASSKIT_PATH = "/loyalty/passkit"
# Strip image of a store card, in points (Apple's guidelines: 375 x 123).
STRIP_BOX = (375, 123)


class LoyaltyB2bCard(models.Model):
    """The card as an Apple Wallet store card (``.pkpass``), signed with its
    company's Pass Type ID certificate, and sent by email by the salesperson."""

    _inherit = "loyalty.b2b.card"

    def _get_apple_pass_data(self):
        """Hook: pass.json of the card, in the language of the environment,
        at the pass level of the environment (see ``_get_wallet_level``)."""
        self.ensure_one()
        company = self.company_id
        design = self._get_wallet_design()
        data = {
            "formatVersion": 1,
            "passTypeIdentifier": company.b2b_apple_pass_type_identifier,
            "serialNumber": self._get_wallet_serial(),
            "teamIdentifier": company.b2b_apple_team_identifier,
            "organizationName": company.b2b_apple_organization_name or company.name,
            "description": self.env._(
                "%(program)s loyalty card of %(company)s",
                program=self.program_id.name,
                company=company.name,
            ),
            "logoText": self.program_id.name,
            "backgroundColor": wallet_pkpass.rgb_string(design["background_color"]),
            "foregroundColor": wallet_pkpass.rgb_string(design["foreground_color"]),
            "labelColor": wallet_pkpass.rgb_string(design["label_color"]),
            "webServiceURL": self.get_base_url() + PASSKIT_PATH,
            "authenticationToken": self._get_wallet_auth_token(),
            "barcodes": [
                {
                    "format": "PKBarcodeFormatQR",
                    "message": self._get_card_code_value(),
                    "messageEncoding": "iso-8859-1",
                    "altText": self.name,
                }
            ],
            "storeCard": self._get_apple_pass_fields(),
        }
        if self.state != "active":
            data["voided"] = True
        return data

    def _get_apple_pass_fields(self):
        """Hook: the ``storeCard`` fields of pass.json: header, primary,
        secondary, auxiliary and back fields."""
        self.ensure_one()
        _ = self.env._
        header, secondary, auxiliary = [], [], []
        if self.tier_id:
            header.append(
                {"key": "tier", "label": _("Tier"), "value": self.tier_id.name}
            )
        if self.state != "active":
            state = dict(self._fields["state"]._description_selection(self.env))
            secondary.append(
                {
                    "key": "state",
                    "label": _("Card"),
                    "value": _("%(state)s: no benefit", state=state[self.state]),
                }
            )
        secondary.append(
            {"key": "company", "label": _("Company"), "value": self.partner_id.name}
        )
        next_tier = self._get_next_tier_text()
        if next_tier:
            auxiliary.append(
                {"key": "next_tier", "label": _("Next tier"), "value": next_tier}
            )
        return {
            "headerFields": header,
            "primaryFields": [self._get_apple_pass_primary_field()],
            "secondaryFields": secondary,
            "auxiliaryFields": auxiliary,
            "backFields": self._get_apple_pass_back_fields(),
        }

    def _get_apple_pass_primary_field(self):
        """Hook: the big figure of the pass: the cashback available (the
        cashback rate on the benefits pass, which shows no money), the
        stamps ("4 / 5") or the discount, by program type."""
        self.ensure_one()
        _ = self.env._
        if self.program_type == "cashback" and self._get_wallet_level() != "full":
            return {
                "key": "cashback_rate",
                "label": _("Cashback Rate"),
                "value": self.program_id._format_percent(self.cashback_percent),
            }
        if self.program_type == "cashback":
            return {
                "key": "cashback",
                "label": _("Cashback available"),
                "value": self.cashback_available,
                "currencyCode": self.currency_id.name,
            }
        if self.program_type == "stamp":
            return {
                "key": "stamps",
                "label": _("Stamps"),
                "value": _(
                    "%(count)s / %(required)s",
                    count=self.stamp_count,
                    required=self.stamps_required,
                ),
            }
        return {
            "key": "discount",
            "label": _("Discount"),
            "value": self.program_id._format_percent(self.discount_percent),
        }

    def _get_apple_pass_back_fields(self):
        """Hook: the back of the pass: number, program terms, seller contact."""
        self.ensure_one()
        _ = self.env._
        program = self.program_id
        terms = [program._get_benefit_summary()]
        if program.date_to:
            terms.append(_("Valid until %(date)s.", date=program.date_to))
        company = self.company_id
        contact = "\n".join(
            filter(None, [company.name, company.phone, company.email, company.website])
        )
        return [
            {"key": "number", "label": _("Card number"), "value": self.name},
            {"key": "terms", "label": _("Program"), "value": "\n".join(terms)},
            {"key": "contact", "label": _("Contact"), "value": contact},
        ]

    def _get_apple_pass_images(self):
        """Hook: ``{file name: PNG}`` of the pass."""
        self.ensure_one()
        design = self._get_wallet_design()
        logo = design["logo"]
        images = wallet_pkpass.pass_images(
            base64.b64decode(logo) if logo else False,
            design["background_color"],
            design["foreground_color"],
            strip=design.get("strip") and base64.b64decode(design["strip"]),
            strip_box=STRIP_BOX,
        )
        return images

    def _get_apple_pass(self):
        """The card's signed ``.pkpass`` (bytes)."""
        self.ensure_one()
        company = self.company_id
        if not company.b2b_has_apple_wallet:
            raise UserError(
                self.env._(
                    "Apple Wallet passes are not configured for %(company)s: see "
                    "Settings, Wallet passes.",
                    company=company.name,
                )
            )
        certificate, key, wwdr = company._b2b_get_apple_signing_material()
        return wallet_pkpass.build_pkpass(
            self._get_apple_pass_data(),
            self._get_apple_pass_images(),
            certificate,
            key,
            wwdr,
        )

    def _get_apple_pass_filename(self):
        self.ensure_one()
        return f"{self._get_wallet_serial()}.pkpass"

    def action_send_apple_pass(self):
        """The email composer, the card's Apple Wallet pass attached, to the
        card's company."""
        self.ensure_one()
        card = self.with_context(lang=self.partner_id.lang or self.env.lang)
        attachment = self.env["ir.attachment"].create(
            {
                "name": self._get_apple_pass_filename(),
                "raw": card._get_apple_pass(),
                "mimetype": wallet_pkpass.MEDIA_TYPE,
                # Like core's invoice sending: the composer moves it to the card.
                "res_model": "mail.compose.message",
                "res_id": 0,
            }
        )
        _ = card.env._
        return {
            "type": "ir.actions.act_window",
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_composition_mode": "comment",
                "default_partner_ids": self.partner_id.ids,
                "default_subject": _("Your loyalty card %(number)s", number=self.name),
                "default_body": Markup("<p>%s</p><p>%s</p>")
                % (
                    _("Hello,"),
                    _(
                        "Your loyalty card %(number)s is attached: open it on an "
                        "iPhone to add it to Apple Wallet.",
                        number=self.name,
                    ),
                ),
                "default_attachment_ids": attachment.ids,
                "default_email_layout_xmlid": "mail.mail_notification_light",
            },
        }
