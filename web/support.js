/* The support page's script: what a reader sees is what is charged.
   As the reader chooses, the page asks patron what exactly would be charged
   (GET /support/quote, the same rules the server pledges by) and states it
   above the button: "You will give $3.50 every month". The statement's token
   goes back with the form, so the server knows the reader saw it; without
   it, an amount the reader typed gets one more step that states it. No
   request leaves for anyone but patron. */
(() => {
  const form = document.querySelector('.patron-support-form');
  if (!form) return;
  const statement = document.getElementById('patron-statement');
  const box = form.elements.other_amount;
  /* The address typed before a change of currency redrew the page. */
  const email = form.elements.email;
  const kept = sessionStorage.getItem('patron-email');
  sessionStorage.removeItem('patron-email');
  if (email && kept && !email.value) email.value = kept;
  const frequency = () => (form.querySelector('[name=frequency]:checked') || {}).value || 'monthly';
  const other = () => form.querySelector(`[name=amount_${frequency()}][value=other]`);

  /* Typing in "Other amount" chooses "Other"; choosing an amount empties
     the box, so that one amount is chosen, never two. */
  box.addEventListener('input', () => {
    const radio = other();
    if (radio) radio.checked = true;
  });
  form.addEventListener('change', (event) => {
    const target = event.target;
    if (/^amount_/.test(target.name) && target.value != 'other') box.value = '';
    if (target.name == 'currency') {
      /* The amounts on show belong to the old currency: redraw the page in
         the new one, keeping the reader's choices. */
      const params = new URLSearchParams();
      for (const [name, value] of new FormData(form)) {
        /* A preset in the old currency means nothing in the new one. */
        if (/^amount_/.test(name) && value != 'other') continue;
        /* An address never goes into an address bar, a log or the history:
           it waits in this tab's sessionStorage for the redrawn page. The
           ways to pay differ by currency. */
        if (name == 'email') {
          if (value) sessionStorage.setItem('patron-email', value);
          continue;
        }
        if (/^method_/.test(name)) continue;
        if (name != 'confirm' && name != 'shown_currency') params.append(name, value);
      }
      location.assign('/support?' + params);
    }
  });

  const clearErrors = () => {
    box.removeAttribute('aria-invalid');
    for (const el of document.querySelectorAll('.patron-error:not(#patron-statement), .patron-error-summary')) el.remove();
    for (const el of form.querySelectorAll('.patron-invalid')) el.classList.remove('patron-invalid');
  };

  let timer;
  let asked = 0;
  const quote = () => {
    /* The token stays until a new statement replaces it: the server takes
       it only for the very amount it states. */
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const mine = ++asked;
      const params = new URLSearchParams(new FormData(form));
      params.delete('confirm');
      let answer;
      try {
        answer = await (await fetch('/support/quote?' + params, { credentials: 'omit' })).json();
      } catch (e) {
        return;
      }
      if (mine != asked) return;
      statement.hidden = false;
      if (answer.statement) {
        clearErrors();
        statement.className = 'patron-statement';
        statement.textContent = answer.statement;
        form.elements.confirm.value = answer.confirm;
      } else {
        /* Nothing typed yet is not an error to shout about. */
        const empty = form.querySelector(`[name=amount_${frequency()}]:checked`) == other() && !box.value.trim();
        statement.hidden = empty;
        statement.className = 'patron-statement patron-error';
        statement.textContent = answer.error ? answer.error.message : '';
      }
    }, 150);
  };
  form.addEventListener('input', quote);
  form.addEventListener('change', quote);
  quote();
})();
