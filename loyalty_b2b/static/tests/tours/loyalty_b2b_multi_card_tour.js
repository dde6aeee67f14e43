import { registry } from "@web/core/registry";

// A salesperson quotes a company holding a discount card, a stamp card with its
// reward ready and a cashback card: all three work on the quotation, the
// reward is added, cashback is used from the card chosen, the order confirmed.
registry.category("web_tour.tours").add("loyalty_b2b_multi_card_tour", {
    url: "/odoo/action-sale.action_quotations_with_onboarding",
    steps: () => [
        {
            content: "New quotation",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Type the customer",
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit Tour Multi Dealer",
        },
        {
            content: "Pick it",
            trigger: ".ui-menu-item > a:contains(Tour Multi Dealer)",
            run: "click",
        },
        {
            content: "Its three cards are on the quotation",
            trigger: ".o_field_widget[name=b2b_card_ids] .o_tag:contains(MULTI-CASH)",
        },
        {
            content: "The panel explains the discount card",
            trigger: ".o_b2b_cards_panel:contains(MULTI-DISC):contains(10 % discount)",
        },
        {
            content: "and the reward ready",
            trigger: ".o_b2b_cards_panel:contains(Reward ready)",
        },
        {
            content: "Add a product",
            trigger: ".o_field_x2many_list_row_add a:contains(Add a product)",
            run: "click",
        },
        {
            content: "Type the product",
            trigger: ".o_data_row .o_field_widget[name=product_template_id] input",
            run: "edit Tour Multi Drill",
        },
        {
            content: "Pick it",
            trigger: ".ui-menu-item > a:contains(Tour Multi Drill)",
            run: "click",
        },
        {
            content: "The line gets the discount card's discount",
            trigger: ".o_data_row .o_field_widget[name=b2b_discount]:contains(10.00)",
        },
        {
            content: "Add the stamp card's reward",
            trigger: "div[name=b2b_reward_available] button[name=action_b2b_add_stamp_reward]",
            run: "click",
        },
        {
            content: "The reward is on the quotation",
            trigger: ".o_b2b_cards_panel:contains(Reward on this order)",
        },
        {
            content: "Use cashback",
            trigger: "button[name=action_b2b_open_cashback_wizard]",
            run: "click",
        },
        {
            content: "The cashback card is chosen",
            trigger: ".modal .o_field_widget[name=card_id] input:value(MULTI-CASH)",
        },
        {
            content: "Amount",
            trigger: ".modal .o_field_widget[name=amount] input",
            run: "edit 50",
        },
        {
            content: "Apply",
            trigger: ".modal button[name=action_apply]",
            run: "click",
        },
        {
            content: "The cashback is on the quotation",
            trigger: "body:not(:has(.modal)) .o_b2b_cards_panel:contains(used on this order)",
        },
        {
            content: "Confirm",
            trigger: "button[name=action_confirm]:not(.o_invisible_modifier)",
            run: "click",
        },
        {
            content: "Confirmed",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Sales Order)",
        },
    ],
});
