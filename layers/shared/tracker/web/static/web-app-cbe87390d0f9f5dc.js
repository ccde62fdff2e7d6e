import { initAll } from "./nhsuk-frontend-800ca8007f7e1968.js";
// What the design system's page template does inline (the CSP here allows no inline script).
document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();
