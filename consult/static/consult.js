// GOV.UK Frontend's components on consult's pages (error summary focus, character count,
// conditional reveal, service navigation, skip link, buttons); every page works without this.
import {
  Button,
  CharacterCount,
  Checkboxes,
  ErrorSummary,
  FileUpload,
  NotificationBanner,
  PasswordInput,
  Radios,
  ServiceNavigation,
  SkipLink,
  createAll,
} from "./frontend/govuk-frontend.min.js";

// GOV.UK Frontend marks a radio that reveals a follow-up question with aria-expanded, which
// ARIA does not allow on a radio (axe's aria-allowed-attr, a known issue the design system
// has chosen to keep). The revealed question follows its answer in reading order, and the
// radio keeps aria-controls naming it, so the attribute ARIA refuses is left off.
class RevealingRadios extends Radios {
  syncConditionalRevealWithInputState($input) {
    super.syncConditionalRevealWithInputState($input);
    $input.removeAttribute("aria-expanded");
  }
}

for (const Component of [
  Button,
  CharacterCount,
  Checkboxes,
  ErrorSummary,
  FileUpload,
  NotificationBanner,
  PasswordInput,
  RevealingRadios,
  ServiceNavigation,
  SkipLink,
]) {
  createAll(Component);
}
