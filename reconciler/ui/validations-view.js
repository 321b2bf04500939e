// The validation page: every rejected or ignored object, NACKs, and warnings on the accepted config.
import { el, table } from './format.js';

export function renderValidations(container, validations) {
  container.replaceChildren(
    el('h2', {}, 'Validations'),
    table(['severity', 'code', 'object', 'problem', 'fix'], validations.map((validation) => [
      el('span', { class: `severity-${validation.severity}` }, validation.severity), validation.code, validation.object, validation.message, validation.fix,
    ])),
  );
}
