// GOV.UK Frontend's components (error summary focus, character count, conditional reveal,
// service navigation, skip link); every page works without this.
import { initAll } from "./frontend/govuk-frontend.min.js";

initAll();
