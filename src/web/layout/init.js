// Progressive enhancement only: every page works without it.
import { initAll } from './govuk-frontend.min.js';

initAll();

/**
 * A "Copy" button for a read-only field that holds something to paste elsewhere (a new API token):
 * added only with JavaScript, after each element marked data-rollbook-copy="<its id>". The result is
 * said in a live region beside it. Without JavaScript the field can still be selected and copied.
 */
function addCopyButtons() {
  for (const marker of document.querySelectorAll('[data-rollbook-copy]')) {
    const field = document.getElementById(marker.getAttribute('data-rollbook-copy') ?? '');
    if (!(field instanceof HTMLInputElement)) continue;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'govuk-button govuk-button--secondary rollbook-copy-button';
    button.textContent = marker.getAttribute('data-rollbook-copy-text') || 'Copy';
    const status = document.createElement('p');
    status.className = 'govuk-body govuk-!-font-weight-bold';
    status.setAttribute('role', 'status');
    button.addEventListener('click', async () => {
      status.textContent = '';
      try {
        await navigator.clipboard.writeText(field.value);
        status.textContent = marker.getAttribute('data-rollbook-copied-text') || 'Copied';
      } catch {
        // No clipboard here (an insecure address, or permission refused): select it for the person to copy.
        field.focus();
        field.select();
        status.textContent = 'Your browser did not let Rollbook copy it: it is selected, so copy it yourself';
      }
    });
    marker.append(button, status);
  }
}

addCopyButtons();
