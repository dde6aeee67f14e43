# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "B2B Loyalty Cards: Automation Rules",
    "summary": "Webhooks and automation rules on B2B loyalty ledger entries, "
    "tier changes, card states and reward requests",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "website": "https://github.com/loyalty-b2b/loyalty_b2b",
    "author": "loyalty_b2b contributors",
    "license": "LGPL-3",
    "depends": ["loyalty_b2b", "base_automation"],
    "data": [
        "data/base_automation_data.xml",
    ],
    "installable": True,
    "auto_install": True,
}
