import { registry } from "@web/core/registry";

// The spreadsheet draws its cells on a canvas: the figures are read from the
// model of the dashboard the Dashboards action shows.
function getOpenDashboardModel() {
    const nodes = [odoo.__WOWL_DEBUG__.root.__owl__];
    while (nodes.length) {
        const node = nodes.pop();
        const model = node.component?.state?.activeDashboard?.model;
        if (model) {
            return model;
        }
        nodes.push(...Object.values(node.children));
    }
    return undefined;
}

async function waitForCellValue(sheetName, col, row, expected) {
    let value;
    for (let attempt = 0; attempt < 100; attempt++) {
        const model = getOpenDashboardModel();
        if (model) {
            const sheetId = model.getters.getSheetIdByName(sheetName);
            value = model.getters.getEvaluatedCell({ sheetId, col, row }).value;
            if (value === expected) {
                return;
            }
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${sheetName} cell (${col}, ${row}) is ${value}, not ${expected}`);
}

// A loyalty administrator opens the Loyalty dashboard; its headline figures
// (the Data sheet's "Current" column) show this year's active member and spend.
registry.category("web_tour.tours").add("loyalty_b2b_dashboard_tour", {
    url: "/odoo/dashboards",
    steps: () => [
        {
            content: "Select the Loyalty dashboard",
            trigger: ".o_search_panel_category_value[data-name='Loyalty']",
            run: "click",
        },
        {
            content: "The Loyalty dashboard is drawn",
            trigger: ".o_search_panel_category_value.active[data-name='Loyalty']",
        },
        {
            content: "Active members: one company spent this year",
            trigger: ".o_spreadsheet_dashboard_action .o-spreadsheet",
            run: () => waitForCellValue("Data", 1, 1, 1),
        },
        {
            content: "Spend: its invoice of 1,500.00",
            trigger: ".o_spreadsheet_dashboard_action .o-spreadsheet",
            run: () => waitForCellValue("Data", 1, 2, 1500),
        },
    ],
});
