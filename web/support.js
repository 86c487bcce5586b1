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
  /* "Keep nothing on this device": with it, this tab is all that knows of
     the visit, and the thank-you page sets no lasting supporter flag. Made
     here: without script the pages keep nothing anyway. Ticked already when
     the reader chose so in the appeal's menu (trace=none) or before. */
  const given = form.querySelector('input[type=hidden][name=trace]');
  let traceless = !!given;
  try {
    traceless = traceless || sessionStorage.getItem('patron-trace') == 'none' || localStorage.getItem('patron-trace') == 'none';
  } catch (e) {}
  if (given) given.remove();
  const choice = document.createElement('label');
  choice.className = 'patron-trace-choice';
  choice.innerHTML = '<input type="checkbox" name="trace" value="none"> ';
  choice.append(
    document.documentElement.lang.slice(0, 2) == 'ru'
      ? 'Ничего не хранить на этом устройстве (страница благодарности ничего не запомнит после закрытия вкладки)'
      : 'Keep nothing on this device (the thank-you page remembers nothing once you close this tab)'
  );
  const traceBox = choice.querySelector('input');
  traceBox.checked = traceless;
  const keepNothing = () => {
    try {
      if (traceBox.checked) {
        sessionStorage.setItem('patron-trace', 'none');
        localStorage.removeItem('patron');
      } else {
        sessionStorage.removeItem('patron-trace');
        if (localStorage.getItem('patron-trace') == 'none') localStorage.removeItem('patron-trace');
      }
    } catch (e) {}
  };
  traceBox.addEventListener('change', keepNothing);
  if (traceless) keepNothing();
  statement.before(choice);

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
