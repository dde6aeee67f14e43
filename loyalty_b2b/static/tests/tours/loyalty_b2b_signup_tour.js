import { registry } from "@web/core/registry";

// A public visitor applies for a card of an online sign-up program: fills in
// its company and itself, accepts the terms and is asked to confirm its email.
registry.category("web_tour.tours").add("loyalty_b2b_signup_tour", {
    steps: () => [
        {
            content: "The page shows the program's terms",
            trigger: ".o_b2b_signup_terms:contains(Members buy at least once a year)",
        },
        {
            content: "Company name",
            trigger: "input[name=name]",
            run: "edit Tour Tooling BV",
        },
        {
            content: "Tax ID",
            trigger: "input[name=vat]",
            run: "edit BE0477472701",
        },
        {
            content: "Street",
            trigger: "input[name=street]",
            run: "edit Rue de la Loi 16",
        },
        {
            content: "ZIP",
            trigger: "input[name=zip]",
            run: "edit 1000",
        },
        {
            content: "City",
            trigger: "input[name=city]",
            run: "edit Brussels",
        },
        {
            content: "Country",
            trigger: "select[name=country_id]",
            run: "selectByLabel Belgium",
        },
        {
            content: "Contact name",
            trigger: "input[name=contact_name]",
            run: "edit Tina Tour",
        },
        {
            content: "Role",
            trigger: "select[name=contact_role]",
            run: "selectByLabel Decision maker",
        },
        {
            content: "Email",
            trigger: "input[name=email]",
            run: "edit tina@tour-tooling.example.com",
        },
        {
            content: "Phone",
            trigger: "input[name=phone]",
            run: "edit +32 2 555 12 12",
        },
        {
            content: "Accept the terms",
            trigger: "input[name=terms]",
            run: "check",
        },
        {
            content: "Apply",
            trigger: "button.o_b2b_signup_submit",
            run: "click",
        },
        {
            content: "The visitor is asked to confirm its email",
            trigger: ".o_b2b_signup_done:contains(tina@tour-tooling.example.com)",
        },
    ],
});
