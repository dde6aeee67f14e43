import { registry } from "@web/core/registry";

// A salesperson quotes a customer with a 10 % card: the card is found and its
// discount applied on the line and the totals.
registry.category("web_tour.tours").add("loyalty_b2b_sale_tour", {
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
            run: "edit Tour Dealer",
        },
        {
            content: "Pick it",
            trigger: ".ui-menu-item > a:contains(Tour Dealer)",
            run: "click",
        },
        {
            content: "Its card is on the quotation",
            trigger: ".o_field_widget[name=b2b_card_id] input:value(TOUR-CARD)",
        },
        {
            content: "With its discount",
            trigger: ".o_field_widget[name=b2b_discount_percent]:contains(10.00)",
        },
        {
            content: "Add a product",
            trigger: ".o_field_x2many_list_row_add a:contains(Add a product)",
            run: "click",
        },
        {
            content: "Type the product",
            trigger: ".o_data_row .o_field_widget[name=product_template_id] input",
            run: "edit Tour Drill",
        },
        {
            content: "Pick it",
            trigger: ".ui-menu-item > a:contains(Tour Drill)",
            run: "click",
        },
        {
            content: "The line gets the card's discount",
            trigger: ".o_data_row .o_field_widget[name=b2b_discount]:contains(10.00)",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Untaxed total on the discounted base",
            trigger: ".o_form_saved .o_field_widget[name=tax_totals]:contains(900.00)",
        },
        {
            content: "What the card saves",
            trigger: ".o_field_widget[name=b2b_savings]:contains(100.00)",
        },
    ],
});
