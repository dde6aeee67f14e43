import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

// The director of a customer company requests a training with the stamps of
// its card on the portal, and sees the request waiting.
registry.category("web_tour.tours").add("loyalty_b2b_reward_portal_tour", {
    url: "/my/loyalty",
    steps: () => [
        {
            content: "Open the stamp card",
            trigger: ".o_portal_my_doc_table tr:contains(Tour Stamps) td:first-child a",
            run: "click",
        },
        {
            content: "The catalogue lists the training at its cost in stamps",
            trigger:
                ".o_b2b_rewards .o_b2b_reward:contains(Product training) .o_b2b_reward_cost:contains(5 stamps)",
        },
        {
            content: "The reward the card cannot pay yet says what it lacks",
            trigger:
                ".o_b2b_reward:contains(Tool bag) .o_b2b_reward_reason:contains(4 more stamps)",
        },
        {
            content: "Write to the salesperson",
            trigger: ".o_b2b_reward:contains(Product training) textarea[name=note]",
            run: "edit March session please",
        },
        {
            content: "Request the training",
            trigger:
                ".o_b2b_reward:contains(Product training) button.o_b2b_reward_request",
            run: "click",
        },
        {
            content: "The request is confirmed",
            trigger:
                ".o_b2b_reward_alert.alert-success:contains(Product training):contains(sent)",
        },
        {
            content: "and listed, waiting for approval",
            trigger:
                ".o_b2b_reward_requests tr:contains(Product training) .o_b2b_reward_request_state:contains(Requested)",
        },
    ],
});

// The salesperson finds the request under Sales > Loyalty > Reward Requests,
// approves it and fulfils it with a quotation.
registry.category("web_tour.tours").add("loyalty_b2b_reward_backend_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps("sale.sale_menu_root", "Open Sales"),
        {
            content: "Open the Loyalty menu",
            trigger: '.o-dropdown[data-menu-xmlid="loyalty_b2b.loyalty_b2b_menu"]',
            run: "click",
        },
        {
            content: "Open the reward requests",
            trigger:
                '.o-dropdown-item[data-menu-xmlid="loyalty_b2b.loyalty_b2b_reward_request_menu"]',
            run: "click",
        },
        {
            content: "Open the director's request",
            trigger: ".o_data_row:contains(Tour Reward Dealer) td[name=reward_id]",
            run: "click",
        },
        {
            content: "It carries the director's message",
            trigger: ".o_field_widget[name=note] textarea:value(March session please)",
        },
        {
            content: "Approve it",
            trigger: ".o_form_view button[name=action_approve]",
            run: "click",
        },
        {
            content: "The request is approved",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Approved)",
        },
        {
            content: "Fulfil it",
            trigger: ".o_form_view button[name=action_fulfil]",
            run: "click",
        },
        {
            content: "The quotation delivering it opens, for the company",
            trigger:
                ".o_form_view .o_field_widget[name=partner_id] input:value(Tour Reward Dealer)",
        },
        {
            content: "with the training on it",
            trigger: ".o_form_view .o_data_row:contains(Product training)",
        },
    ],
});
