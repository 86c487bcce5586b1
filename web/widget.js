/* patron's reader widget.
 *
 * Embedding is one tag and one slot:
 *   <script async src="PATRON/widget.js"></script>
 *   <div class="patron-slot" data-patron data-article="ID" data-section="S"
 *        data-tags="a,b" data-lang="en"><noscript><iframe ...></iframe></noscript></div>
 *
 * Optional slot attributes: data-placement (default end_of_article;
 * banner_top and banner_bottom draw a compact banner, banner_bottom as a
 * fixed overlay), data-sensitive and data-opt-out (flags). data-lang defaults
 * to <html lang>. The slots are asked for in document order, each request
 * naming the campaigns the page shows already (article.shown), so that a page
 * never shows one campaign twice. Escape, with focus in a banner, closes it
 * as its × does.
 * Editors add patron_force, patron_preview or patron_debug to the article's
 * address; the widget passes them on as force, preview and debug.
 *
 * The page reserves the slot's height in its own CSS. For every slot the widget
 * asks patron (POST /v1/appeal) which appeal this reader sees, sending the
 * reader's state, which lives only here in localStorage. The answer is drawn in
 * a shadow root once its stylesheet has loaded, so the page never moves
 * (CLS 0). Impressions, clicks and snoozes are counted in batches with
 * sendBeacon. No cookie, and no request to anyone but patron. The words the
 * widget draws itself come with the appeal (data-patron-done,
 * data-patron-remind): this file carries no text, and stays small.
 *
 * Leave no trace (docs/PRIVACY.md): from the appeal's menu a reader may choose
 * that this device keeps nothing. The state then lives in this tab's
 * sessionStorage, gone when the tab closes; localStorage holds only the
 * choice (patron-trace = none), or nothing if the reader asks for that too.
 * Where the newsroom makes this the default for the reader's country,
 * patron's answer says so (Patron-Trace: none), unless this reader chose to
 * keep (patron-trace = keep).
 */
(() => {
  const script = document.currentScript;
  if (!script || !script.src) return;

  /* patron's base URL: where widget.js came from, without the file name, so
     that patron also works behind a path prefix. */
  const BASE = new URL('.', script.src).href.replace(/\/$/, '');
  const KEY = 'patron';
  const TRACE = 'patron-trace';
  const WEEK = 604800;
  const REASONS = ['later', 'close', 'supporting'];
  const IN_RU = 'январе феврале марте апреле мае июне июле августе сентябре октябре ноябре декабре'.split(' ');
  const monthName = (lang, month) =>
    new Intl.DateTimeFormat(lang, { month: 'long', timeZone: 'UTC' }).format(Date.UTC(2000, month));
  const inMonth = (lang, month) => (lang == 'ru' ? 'в ' + IN_RU[month] : 'in ' + monthName(lang, month));

  /* What patron accepts (docs/API.md): ids are [a-z0-9_-]{1,63}, times fall
     between 2000 and 2200, a week counts at most 100000 articles. */
  const now = () => Math.floor(Date.now() / 1000);
  const isCount = (x) => Number.isInteger(x) && x >= 0 && x <= 1e5;
  const isTime = (x) => Number.isInteger(x) && x >= 946684800 && x <= 7258118400;
  const isName = (x) => typeof x == 'string' && /^[a-z0-9_-]{1,63}$/.test(x);

  /* Keep the last n well-formed entries of a stored list, copying only the
     known keys: patron rejects unknown keys, and storage may hold anything. */
  const list = (value, ok, keys, n) =>
    (Array.isArray(value) ? value : [])
      .filter((x) => x && ok(x))
      .slice(-n)
      .map((x) => {
        const copy = {};
        for (const k of keys) copy[k] = x[k];
        return copy;
      });

  /* Storage may be missing or refused (private modes): every use is guarded. */
  const read = (area, key) => {
    try {
      return window[area].getItem(key);
    } catch (e) {}
  };
  const write = (area, key, value) => {
    try {
      value == null ? window[area].removeItem(key) : window[area].setItem(key, value);
    } catch (e) {}
  };
  const LOCAL = 'localStorage';
  const TAB = 'sessionStorage';
  const traceless = () => read(TAB, TRACE) == 'none' || read(LOCAL, TRACE) == 'none';
  const area = () => (traceless() ? TAB : LOCAL);
  /* From now on this device keeps nothing: the state moves into the tab,
     and localStorage keeps the choice (remember) or nothing at all. */
  const leaveNoTrace = (remember) => {
    const s = read(area(), KEY);
    write(TAB, TRACE, 'none');
    if (s) write(TAB, KEY, s);
    write(LOCAL, KEY);
    write(LOCAL, TRACE, remember ? 'none' : null);
  };
  const keepAgain = () => {
    const s = read(TAB, KEY);
    write(TAB, TRACE);
    write(TAB, KEY);
    write(LOCAL, TRACE, 'keep');
    if (s) write(LOCAL, KEY, s);
  };

  /* The reader's state, read afresh and cleaned each time so that another tab's
     changes are kept and garbage (or no storage at all) reads as a new reader. */
  const load = () => {
    let s;
    try {
      s = JSON.parse(read(area(), KEY));
    } catch (e) {}
    s = Object(s);
    const week = Math.floor(now() / WEEK);
    return {
      bucket:
        Number.isInteger(s.bucket) && s.bucket >= 0 && s.bucket < 2 ** 32
          ? s.bucket
          : crypto.getRandomValues(new Uint32Array(1))[0],
      supporter: s.supporter === true,
      former_supporter: s.former_supporter === true,
      views: list(s.views, (v) => isName(v.campaign) && isTime(v.at), ['campaign', 'at'], 50),
      snoozes: list(
        s.snoozes,
        (v) => isName(v.campaign) && isTime(v.at) && REASONS.includes(v.reason),
        ['campaign', 'reason', 'at'],
        20
      ),
      weeks: list(
        s.weeks,
        (v) => Number.isInteger(v.week) && isCount(v.count) && v.week > week - 52 && v.week <= week,
        ['week', 'count'],
        52
      ),
    };
  };

  const update = (change) => {
    const s = load();
    change(s);
    write(area(), KEY, JSON.stringify(s));
    return s;
  };

  /* The thank-you page links back to the article with #patron-supporter:
     remember it here, in the storage this page's widget reads, and tidy the
     address. */
  if (location.hash == '#patron-supporter') {
    update((s) => {
      s.supporter = true;
    });
    history.replaceState(null, '', location.pathname + location.search);
  }

  /* Events wait in a queue and leave in batches of at most 100. */
  const queue = [];
  let timer;
  const flush = () => {
    clearTimeout(timer);
    while (queue.length && navigator.sendBeacon)
      navigator.sendBeacon(BASE + '/v1/events', JSON.stringify({ events: queue.splice(0, 100) }));
  };
  const flushSoon = () => {
    clearTimeout(timer);
    timer = setTimeout(flush, 2000);
  };
  addEventListener('pagehide', flush);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState == 'hidden') flush();
  });

  /* Out of the reader's sight: wholly below the viewport, or wholly above it
     where scroll anchoring keeps what the reader sees in place when the slot
     changes height (not in browsers without it, nor on pages that turn it off:
     there the layout-instability API counts the move). */
  const anchored = () =>
    CSS.supports('overflow-anchor:auto') &&
    [document.documentElement, document.body].every((e) => getComputedStyle(e).overflowAnchor != 'none');
  const unseen = (el) => {
    const r = el.getBoundingClientRect();
    return r.top >= innerHeight || (r.bottom <= 0 && anchored());
  };

  /* Runs fix now if the slot is out of sight, else each time it leaves it. */
  const whenUnseen = (slot, fix) => {
    if (unseen(slot)) fix();
    else
      new IntersectionObserver((entries) => {
        if (!entries[entries.length - 1].isIntersecting && unseen(slot)) fix();
      }).observe(slot);
  };

  /* JSON as text/plain: a "simple" request, so no CORS preflight. */
  const post = (route, body) =>
    fetch(BASE + route, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify(body),
      credentials: 'omit',
    });

  const paragraph = (className, role, text) => {
    const p = document.createElement('p');
    p.className = className;
    p.setAttribute('role', role);
    p.tabIndex = -1;
    p.textContent = text;
    return p;
  };

  /* The reminder form, the same markup as the no-script frame's, in the
     words the appeal brought (data-patron-remind). */
  const remindForm = (appeal, lang, text) => {
    const form = document.createElement('form');
    form.className = 'patron-remind';
    form.setAttribute('data-patron-remind', '');
    const today = new Date();
    const year = today.getUTCFullYear();
    const month = today.getUTCMonth();
    /* Before the 20th, next month; from the 20th, the month after. */
    const chosen = today.getUTCDate() < 20 ? 1 : 2;
    let choices = '';
    for (let i = 1; i <= 12; i++) {
      const m = (month + i) % 12;
      const y = year + Math.floor((month + i) / 12);
      choices += `<option value="${y}-${m < 9 ? '0' : ''}${m + 1}"${i == chosen ? ' selected' : ''}>${monthName(lang, m)} ${y}</option>`;
    }
    form.innerHTML = `<p>${text[0]}</p><label for="patron-email">${text[1]}</label><input id="patron-email" name="email" type="email" autocomplete="email" required><label for="patron-month">${text[2]}</label><select id="patron-month" name="month">${choices}</select><button type="submit"></button><p class="patron-error" role="alert"></p>`;
    const email = form.querySelector('input');
    const select = form.querySelector('select');
    const button = form.querySelector('button');
    const error = form.querySelector('.patron-error');
    const label = () => {
      button.textContent = text[3].replace('%s', inMonth(lang, select.value.slice(5) - 1));
    };
    label();
    select.onchange = label;
    email.oninput = () => {
      error.textContent = '';
    };
    form.onsubmit = async (event) => {
      event.preventDefault();
      button.disabled = true;
      let message = text[5];
      try {
        const res = await post('/v1/reminders', {
          email: email.value,
          month: select.value,
          language: lang,
          campaign: appeal.campaign,
          variant: appeal.variant,
        });
        const answer = await res.json();
        if (res.ok) {
          const done = paragraph('patron-thanks', 'status', text[4].replace('%s', answer.in_month));
          const hadFocus = form.contains(form.getRootNode().activeElement);
          form.replaceWith(done);
          if (hadFocus) done.focus({ preventScroll: true });
          return;
        }
        message = (answer.error && answer.error.message) || message;
      } catch (e) {}
      error.textContent = message;
      button.disabled = false;
    };
    return form;
  };

  const show = async (slot, reader, shown) => {
    if (slot.shadowRoot) return;
    const data = slot.dataset;
    const root = slot.attachShadow({ mode: 'open' });
    const link = document.createElement('link');
    const styled = new Promise((resolve) => {
      link.onload = () => resolve(1);
      link.onerror = () => resolve(0);
    });
    link.rel = 'stylesheet';
    link.href = BASE + '/appeal.css';
    root.append(link);

    const article = {
      id: data.article || location.pathname,
      language: data.lang || document.documentElement.lang,
    };
    if (!/^[a-z-]{2,15}$/i.test(article.language)) article.language = 'en';
    if (data.section) article.section = data.section;
    /* A tag patron would refuse (over 64 bytes) is dropped, not the appeal. */
    const tags = (data.tags || '')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t && new TextEncoder().encode(t).length <= 64);
    if (tags.length) article.tags = tags.slice(0, 16);
    if ('optOut' in data) article.opt_out = true;
    if ('sensitive' in data) article.sensitive = true;
    const place = data.placement;
    if (place) article.placement = place;
    if (shown.length) article.shown = shown.slice(-4);
    /* The viewport's class, for campaigns aimed at devices. */
    const width = innerWidth;
    const device = width < 740 ? 'mobile' : width < 980 ? 'tablet' : 'desktop';

    /* Editors' options ride on the article's own address (docs/API.md). */
    const query = new URLSearchParams(location.search);
    const options = new URLSearchParams();
    for (const name of ['force', 'preview', 'debug']) {
      const value = query.get('patron_' + name);
      if (value) options.set(name, value);
    }

    let appeal;
    try {
      const search = options.toString();
      const res = await post('/v1/appeal' + (search && '?' + search), {
        article,
        reader: Object.assign({ device }, reader),
      });
      /* The newsroom keeps nothing on devices in the reader's country,
         unless this reader chose to keep their choices here. */
      if (res.headers.get('Patron-Trace') == 'none' && read(LOCAL, TRACE) != 'keep' && !traceless())
        leaveNoTrace();
      const answer = await res.json();
      if (answer.debug) console.info('patron', answer);
      appeal = res.ok && answer.appeal;
      if (appeal && !(await styled)) appeal = 0;
    } catch (e) {}

    const reserved = slot.getBoundingClientRect().height;
    let section;
    if (appeal) {
      const template = document.createElement('template');
      template.innerHTML = appeal.html;
      root.append(template.content);
      section = root.querySelector('.patron-appeal');
    }
    if (!section) {
      /* Nothing to show: give the space back only where no one can see it go. */
      whenUnseen(slot, () => {
        slot.style.display = 'none';
      });
      return;
    }
    shown.push(appeal.campaign);
    /* A banner is the same fragment, laid out compactly by appeal.css; at the
       bottom it is a fixed overlay, which moves nothing on the page. */
    const overlay = place == 'banner_bottom';
    const banner = /^banner_/.test(place);
    section.classList.toggle('patron-banner', banner);
    slot.classList.toggle('patron-overlay', overlay);
    const lang = String(appeal.language).slice(0, 2) == 'ru' ? 'ru' : 'en';
    const remindText = (section.dataset.patronRemind || '').split('|');
    /* The menu opens over the appeal: nothing on the page moves. */
    const menu = section.querySelector('.patron-trace');
    const mark = () => {
      section.classList.toggle('patron-traceless', traceless());
      section.classList.toggle('patron-remembered', read(LOCAL, TRACE) == 'none');
    };
    if (menu) {
      menu.hidden = false;
      section.classList.add('patron-has-menu');
      mark();
    }
    /* The slot keeps the height it has now, or takes its content's, in whole
       pixels so that scroll anchoring makes up for it exactly. The reminder
       form's error line, when empty, gets room for two lines of message, so
       that nothing moves when patron's answer comes. */
    const hold = () => {
      const error = root.querySelector('.patron-remind .patron-error');
      const text = error && error.textContent;
      if (error && !text) error.textContent = (remindText[5] + ' ').repeat(2);
      slot.style.minHeight = Math.ceil(parseFloat(getComputedStyle(slot).height)) + 'px';
      if (error) error.textContent = text;
    };
    const body = section.querySelector('.patron-body');
    let more;
    const expand = () => {
      if (more) {
        more.remove();
        more = 0;
        body.className = 'patron-body';
        body.style.maxHeight = '';
      }
    };
    /* An appeal taller than the space reserved for it, arriving in sight: the
       body copy gives way behind "Read more", never the amounts or the
       Support button. Out of sight, the slot fits its content instead. */
    const excess = () => section.offsetHeight - reserved;
    if (reserved && body && !overlay && excess() > 0 && !unseen(slot)) {
      more = document.createElement('button');
      more.type = 'button';
      more.className = 'patron-more';
      more.textContent = lang == 'ru' ? 'Читать дальше' : 'Read more';
      more.onclick = () => {
        expand();
        body.tabIndex = -1;
        body.focus({ preventScroll: true });
      };
      body.after(more);
      body.className += ' patron-clamped';
      const line = parseFloat(getComputedStyle(body).lineHeight) || 22;
      body.style.maxHeight =
        Math.max(0, Math.floor((body.offsetHeight - excess()) / line) * line) + 'px';
    }
    whenUnseen(slot, () => {
      expand();
      slot.style.minHeight = 0;
      hold();
    });

    const count = (kind) =>
      queue.push({ kind, campaign: appeal.campaign, variant: appeal.variant });

    const seen = new IntersectionObserver(
      (entries) => {
        const entry = entries[entries.length - 1];
        if (entry.isIntersecting && entry.intersectionRatio > 0.49) {
          seen.disconnect();
          count('impression');
          update((s) => {
            s.views.push({ campaign: appeal.campaign, at: now() });
            s.views = s.views.slice(-50);
          });
          flushSoon();
        }
      },
      { threshold: 0.5 }
    );
    seen.observe(section);

    /* Where focus goes back to when the overlay closes. */
    let before;
    slot.addEventListener('focusin', (event) => {
      if (event.relatedTarget && !slot.contains(event.relatedTarget)) before = event.relatedTarget;
    });
    root.addEventListener('keydown', (event) => {
      if (banner && event.key == 'Escape' && section.isConnected)
        menu && menu.open ? (menu.open = false) : section.querySelector('.patron-close').click();
    });

    root.addEventListener('click', (event) => {
      const choice = event.target.closest('[data-patron-trace]');
      if (choice) {
        const what = choice.dataset.patronTrace;
        what == 'keep' ? keepAgain() : leaveNoTrace(what == 'remember');
        mark();
        section.querySelector(what == 'keep' ? '.patron-keeps' : '.patron-keeps-nothing').focus({ preventScroll: true });
        return;
      }
      const button = event.target.closest('[data-patron-action]');
      const action = button && button.dataset.patronAction;
      if (action == 'support') {
        count('click');
        flush();
        /* So that the thank-you page can lead back here. */
        const form = button.form;
        const hidden = (name, value) => {
          if (!form || form.elements[name]) return;
          const input = document.createElement('input');
          input.type = 'hidden';
          input.name = name;
          input.value = value;
          form.append(input);
        };
        hidden('return', location.href.split('#')[0]);
        /* The support and thank-you pages keep nothing on this device either. */
        if (traceless()) hidden('trace', 'none');
      }
      if (!REASONS.includes(action)) return;
      event.preventDefault();
      seen.disconnect();
      update((s) => {
        s.snoozes.push({ campaign: appeal.campaign, reason: action, at: now() });
        s.snoozes = s.snoozes.slice(-20);
      });
      count('snooze_' + action);
      flushSoon();
      /* Keep the height the reader saw; a one-line note replaces the appeal. */
      hold();
      const hadFocus = root.activeElement;
      /* The overlay simply goes, whatever the reader chose (it has no room
         for the reminder form, nor a way to close it), and focus returns to
         where it came from. */
      if (overlay) {
        slot.style.display = 'none';
        if (hadFocus && before) before.focus({ preventScroll: true });
        return;
      }
      const note = paragraph('patron-thanks', 'status', button.dataset.patronDone);
      section.replaceWith(note);
      /* Not when the server sends no email. The form may need more room than
         the appeal took: it gets it now, on the reader's click. */
      if (action == 'later' && appeal.remind !== false) {
        note.after(remindForm(appeal, lang, remindText));
        hold();
      }
      if (hadFocus) note.focus({ preventScroll: true });
    });
  };

  const start = () => {
    /* One more article read this week, once per page view: sent now, kept
       once the first answer has said where (the newsroom may keep nothing
       on devices in the reader's country). */
    const countArticle = (s) => {
      const week = Math.floor(now() / WEEK);
      const entry = s.weeks.find((w) => w.week == week);
      if (entry) entry.count = Math.min(entry.count + 1, 1e5);
      else s.weeks.push({ week, count: 1 });
    };
    const reader = load();
    countArticle(reader);
    let kept;
    /* With the bucket this view was chosen by: a new reader's is drawn
       before anything is kept. */
    const keep = () =>
      kept ||
      (kept = update((s) => {
        s.bucket = reader.bucket;
        countArticle(s);
      }));
    const slots = document.querySelectorAll('[data-patron]');
    /* One after the other, each knowing which campaigns the page shows. */
    const shown = [];
    let next = Promise.resolve();
    slots.forEach((slot) => {
      next = next.then(() => show(slot, reader, shown)).then(keep, keep);
    });
    if (!slots.length) keep();
  };

  if (document.readyState == 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
