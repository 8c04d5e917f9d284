// Progressive enhancement of school search boxes (src/web/schools/views/_search-box.njk): the text
// input becomes alphagov's accessible autocomplete, suggesting schools from /schools/search.json as
// you type. Choosing one fills the form's hidden `urn` field, so the form goes straight to that
// school; anything else typed is searched for as it would be without JavaScript.
(() => {
  const autocomplete = window.accessibleAutocomplete;
  if (!autocomplete || !window.fetch) return;

  for (const form of document.querySelectorAll('form[data-school-search]')) {
    const input = form.querySelector('[data-school-search-input]');
    if (!input) continue;
    const urnField = form.querySelector('[data-school-search-urn]');
    const button = form.querySelector('[data-school-search-button]');
    const wrapper = document.createElement('div');
    input.after(wrapper);
    const describedBy = input.getAttribute('aria-describedby');
    const hadError = input.classList.contains('govuk-input--error');
    const initial = input.value;
    input.remove();

    let chosen;
    let latest = '';
    autocomplete({
      element: wrapper,
      id: 'q',
      name: 'q',
      defaultValue: initial,
      minLength: 2,
      showNoOptionsFound: true,
      tNoResults: () => 'No schools found: press Search to see why',
      tStatusQueryTooShort: (min) => `Type ${min} or more characters to find schools`,
      source: (query, populate) => {
        latest = query;
        fetch(`/schools/search.json?q=${encodeURIComponent(query)}`, { credentials: 'same-origin' })
          .then((response) => (response.ok ? response.json() : { schools: [] }))
          .then((body) => {
            // Answers can arrive out of order: only the one for the latest text is shown.
            if (query === latest) populate(body.schools);
          })
          .catch(() => populate([]));
      },
      templates: {
        inputValue: (school) => (school ? school.name : ''),
        suggestion: (school) => {
          if (typeof school === 'string') return escapeHtml(school);
          return `${escapeHtml(school.name)} (${escapeHtml(school.hint)})`;
        },
      },
      onConfirm: (school) => {
        if (school) chosen = school;
      },
    });

    const enhanced = form.querySelector('#q');
    if (enhanced) {
      if (describedBy) enhanced.setAttribute('aria-describedby', describedBy);
      if (hadError) enhanced.classList.add('autocomplete__input--error');
      enhanced.setAttribute('spellcheck', 'false');
    }
    if (urnField && button) button.textContent = 'Continue';

    form.addEventListener('submit', () => {
      if (!urnField) return;
      // A school chosen and its name left as it was: go to it. Otherwise search for the text.
      const text = enhanced ? enhanced.value : '';
      urnField.value = chosen && chosen.name === text ? chosen.urn : '';
      if (!urnField.value) urnField.disabled = true;
    });
  }

  function escapeHtml(text) {
    return String(text).replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
    );
  }
})();
