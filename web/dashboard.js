/* The dashboard's enhancements. Every page works without this file: it only
 * makes the campaign editor follow the form as the editor types (the
 * preview, a language's boxes, the notes beside fields) and adds a preview
 * toggle on phones. Plain browser JavaScript, no build step, no third-party
 * code. */
(function () {
  'use strict';

  var PLACEHOLDER = '__lang__';
  /* As pt_catalog_is_language: letters and '-', 2 to 15 characters. */
  var LANGUAGE = /^[A-Za-z-]{2,15}$/;

  /* The languages typed into the form's Languages field, as the server
   * reads them (pt_editor_languages): valid tags only, each once. */
  function typedLanguages(form) {
    var field = form.elements.namedItem('languages');
    var seen = [];
    var tags = [];
    (field ? field.value : '').split(',').forEach(function (item) {
      var tag = item.trim();
      if (LANGUAGE.test(tag) && seen.indexOf(tag.toLowerCase()) < 0) {
        seen.push(tag.toLowerCase());
        tags.push(tag);
      }
    });
    return tags;
  }

  /* A copy of a <template>'s content for one language. Tags hold only
   * letters and '-', so the placeholder can be replaced in the markup. */
  function fromTemplate(template, language) {
    var holder = document.createElement('div');
    holder.innerHTML = template.innerHTML.split(PLACEHOLDER).join(language);
    return holder.firstElementChild;
  }

  /* Shows the blocks of the languages typed and hides (and disables, so
   * the form does not send them) the others; a language's text stays in
   * its hidden block should it come back. */
  function followLanguages(form, panel) {
    var tags = typedLanguages(form);
    var lower = tags.map(function (tag) { return tag.toLowerCase(); });
    Array.prototype.forEach.call(form.querySelectorAll('fieldset.campaign-variant'), function (block) {
      var template = block.querySelector('template.campaign-text-template');
      var texts = Array.prototype.filter.call(block.querySelectorAll('fieldset.campaign-text[data-language]'),
        function (text) { return text.parentNode === block; });
      texts.forEach(function (text) {
        var on = lower.indexOf(text.getAttribute('data-language').toLowerCase()) >= 0;
        text.hidden = !on;
        text.disabled = !on;
      });
      tags.forEach(function (tag) {
        var have = texts.some(function (text) {
          return text.getAttribute('data-language').toLowerCase() === tag.toLowerCase();
        });
        if (!have && template) {
          block.insertBefore(fromTemplate(template, tag), template);
        }
      });
    });
    if (!panel) {
      return;
    }
    var template = document.getElementById('preview-language-template');
    var sections = Array.prototype.slice.call(panel.querySelectorAll('.preview-language[data-preview-language]'));
    sections.forEach(function (section) {
      section.hidden = lower.indexOf(section.getAttribute('data-preview-language').toLowerCase()) < 0;
    });
    tags.forEach(function (tag) {
      var have = sections.some(function (section) {
        return section.getAttribute('data-preview-language').toLowerCase() === tag.toLowerCase();
      });
      if (!have && template) {
        panel.insertBefore(fromTemplate(template, tag), template);
      }
    });
  }

  /* The amounts of a way to give show only while it is ticked. */
  function followFrequencies(form) {
    Array.prototype.forEach.call(form.querySelectorAll('fieldset.campaign-variant'), function (block) {
      var rows = block.querySelectorAll('.amount-row[data-frequency]');
      rows.forEach(function (row) {
        var frequency = row.getAttribute('data-frequency');
        var box = null;
        Array.prototype.forEach.call(block.querySelectorAll('input[type="checkbox"]'), function (input) {
          if (/^v\d+\.frequencies$/.test(input.name) && input.value === frequency) {
            box = input;
          }
        });
        row.hidden = !!box && !box.checked;
      });
    });
  }

  /* ---- the notes beside fields ----
   * answer=check returns the form's errors and warnings as they stand: an
   * error put right goes away (a new one waits for the save, so that
   * half-typed fields are not scolded), and warnings follow the typing. */
  function removeFromDescription(input, id) {
    var ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(function (each) {
      return each && each !== id;
    });
    if (ids.length) {
      input.setAttribute('aria-describedby', ids.join(' '));
    } else {
      input.removeAttribute('aria-describedby');
    }
  }

  function showNotes(form, answer) {
    var current = {};
    answer.errors.forEach(function (error) { current[error.id] = true; });
    Array.prototype.forEach.call(form.querySelectorAll('.dash-field-error[id$="-error"]'), function (note) {
      var id = note.id.slice(0, -'-error'.length);
      if (current[id]) {
        return;
      }
      var input = document.getElementById(id);
      if (input) {
        input.removeAttribute('aria-invalid');
        removeFromDescription(input, note.id);
      }
      note.parentNode.removeChild(note);
    });
    var summary = document.getElementById('campaign-errors');
    if (summary) {
      Array.prototype.forEach.call(summary.querySelectorAll('li a[href^="#"]'), function (link) {
        if (!current[link.getAttribute('href').slice(1)]) {
          link.parentNode.parentNode.removeChild(link.parentNode);
        }
      });
      if (!summary.querySelector('li')) {
        summary.parentNode.removeChild(summary);
      }
    }
    Array.prototype.forEach.call(form.querySelectorAll('.dash-warning'), function (note) {
      var input = document.getElementById(note.id.replace(/-warning$/, ''));
      if (input) {
        removeFromDescription(input, note.id);
      }
      note.parentNode.removeChild(note);
    });
    answer.warnings.forEach(function (warning) {
      var input = document.getElementById(warning.id);
      if (!input || document.getElementById(warning.id + '-warning')) {
        return;
      }
      var note = document.createElement('p');
      note.className = 'dash-warning';
      note.id = warning.id + '-warning';
      note.textContent = warning.message;
      input.parentNode.insertBefore(note, input);
      var described = input.getAttribute('aria-describedby');
      input.setAttribute('aria-describedby', (described ? described + ' ' : '') + note.id);
    });
  }

  /* ---- the preview's height against the slot's ----
   * The preview frames are sandboxed without allow-same-origin, so their
   * documents cannot be read from here. One hidden frame that may be read
   * but runs no script lays out the same document at each width, and the
   * appeal's height is compared with what the page reserves there. */
  function measurer() {
    var frame = document.getElementById('preview-measure');
    if (!frame) {
      frame = document.createElement('iframe');
      frame.id = 'preview-measure';
      frame.setAttribute('sandbox', 'allow-same-origin');
      frame.setAttribute('aria-hidden', 'true');
      frame.setAttribute('tabindex', '-1');
      frame.title = 'Measuring the preview';
      frame.className = 'preview-measure';
      document.body.appendChild(frame);
    }
    return frame;
  }

  var measuring = Promise.resolve();

  function measure(html, width) {
    measuring = measuring.then(function () {
      return new Promise(function (resolve) {
        var frame = measurer();
        frame.style.width = width + 'px';
        var done = false;
        function finish() {
          if (done) {
            return;
          }
          done = true;
          var height = null;
          try {
            var doc = frame.contentDocument;
            var appeal = doc && doc.querySelector('.patron-appeal');
            height = appeal ? Math.ceil(appeal.getBoundingClientRect().height) : null;
          } catch (e) {
            height = null;
          }
          resolve(height);
        }
        frame.onload = function () {
          /* The stylesheet is loaded with the document; one frame more for layout. */
          requestAnimationFrame(finish);
        };
        setTimeout(finish, 3000);
        frame.srcdoc = html;
      });
    });
    return measuring;
  }

  function checkHeights(section, html) {
    Array.prototype.forEach.call(section.querySelectorAll('.preview-frame[data-reserved]'), function (figure) {
      var width = Number(figure.getAttribute('data-width'));
      var reserved = Number(figure.getAttribute('data-reserved'));
      measure(html, width).then(function (height) {
        var note = figure.querySelector('.preview-height');
        if (height === null || height <= reserved) {
          if (note) {
            note.parentNode.removeChild(note);
          }
          return;
        }
        if (!note) {
          note = document.createElement('p');
          note.className = 'dash-warning preview-height';
          figure.insertBefore(note, figure.querySelector('iframe'));
        }
        note.textContent = 'At ' + width + ' pixels wide this appeal is ' + height +
          ' pixels tall, but article pages keep ' + reserved +
          ' pixels for it: the article below it would move. Shorten the text.';
      });
    });
  }

  /* ---- the live preview ----
   * The preview panel's frames hold the appeal as the server renders it for
   * readers (sandboxed, no script). Without this file a Preview button posts
   * the form into one frame; with it, every change re-posts the form to the
   * same address (debounced) and writes the answer into the frames of each
   * language. */
  function livePreview() {
    var form = document.getElementById('campaign-form');
    var panel = document.querySelector('.campaign-preview[data-preview-url]');
    if (!form || !panel || !window.fetch || !window.FormData || !window.URLSearchParams) {
      return;
    }
    var url = panel.getAttribute('data-preview-url');
    var picker = document.getElementById('preview-variant');
    var timer = null;
    var generation = 0;
    var controller = null;

    var status = document.createElement('p');
    status.className = 'preview-status';
    status.setAttribute('role', 'status');
    panel.insertBefore(status, panel.querySelector('.preview-language') ||
      document.getElementById('preview-language-template'));
    panel.setAttribute('data-live', '');
    /* A browser that restores typed values on going back may bring back
     * other languages than the page was made for. */
    followLanguages(form, panel);
    followFrequencies(form);

    /* The variant picker lists the ids typed in the form. */
    function refreshPicker() {
      if (!picker) {
        return;
      }
      var chosen = picker.value;
      var ids = [];
      Array.prototype.forEach.call(form.elements, function (field) {
        if (/^v\d+\.id$/.test(field.name) && field.value.trim() !== '' &&
            ids.indexOf(field.value.trim()) < 0) {
          ids.push(field.value.trim());
        }
      });
      while (picker.firstChild) {
        picker.removeChild(picker.firstChild);
      }
      ids.forEach(function (id) {
        var option = document.createElement('option');
        option.value = id;
        option.textContent = id;
        option.selected = id === chosen;
        picker.appendChild(option);
      });
    }

    function show(section, html) {
      Array.prototype.forEach.call(section.querySelectorAll('iframe'), function (frame) {
        frame.srcdoc = html;
      });
      checkHeights(section, html);
    }

    function post(body, signal) {
      return fetch(url, {
        method: 'POST',
        body: body,
        credentials: 'same-origin',
        signal: signal
      }).then(function (response) {
        if (response.redirected || !response.ok) {
          throw new Error(response.redirected
            ? 'Your session has ended: sign in again in another tab, then change a field.'
            : 'The preview could not be updated (' + response.status + ').');
        }
        return response;
      });
    }

    function update() {
      generation += 1;
      var mine = generation;
      if (controller) {
        controller.abort();
      }
      controller = window.AbortController ? new AbortController() : null;
      var signal = controller ? controller.signal : undefined;
      status.textContent = 'Updating the preview…';
      var sections = Array.prototype.filter.call(
        panel.querySelectorAll('.preview-language[data-preview-language]'),
        function (section) { return !section.hidden; });
      var pending = sections.length;
      /* The form once (its hidden csrf field included), then one copy per
       * language: each language's preview is built from its own text. */
      var fields = new URLSearchParams(new FormData(form)).toString();
      function failed(error) {
        if (mine === generation && error.name !== 'AbortError') {
          status.textContent = error.message;
        }
      }
      sections.forEach(function (section) {
        var body = new URLSearchParams(fields);
        body.set('preview_language', section.getAttribute('data-preview-language'));
        post(body, signal).then(function (response) {
          return response.text();
        }).then(function (html) {
          if (mine !== generation) {
            return;
          }
          show(section, html);
          pending -= 1;
          if (pending === 0) {
            status.textContent = '';
          }
        }).catch(failed);
      });
      if (pending === 0) {
        status.textContent = '';
      }
      var check = new URLSearchParams(fields);
      check.set('answer', 'check');
      post(check, signal).then(function (response) {
        return response.json();
      }).then(function (answer) {
        if (mine === generation) {
          showNotes(form, answer);
        }
      }).catch(failed);
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(update, 400);
    }

    form.addEventListener('input', function (event) {
      var name = (event.target && event.target.name) || '';
      if (/^v\d+\.id$/.test(name)) {
        refreshPicker();
      }
      if (name === 'languages') {
        followLanguages(form, panel);
      }
      schedule();
    });
    form.addEventListener('change', function (event) {
      if (/^v\d+\.frequencies$/.test((event.target && event.target.name) || '')) {
        followFrequencies(form);
      }
      schedule();
    });
    if (picker) {
      picker.addEventListener('change', function () {
        clearTimeout(timer);
        update();
      });
    }
    /* With script, a Preview button refreshes every frame in place. */
    panel.addEventListener('click', function (event) {
      var button = event.target.closest ? event.target.closest('.preview-button') : null;
      if (button) {
        event.preventDefault();
        clearTimeout(timer);
        update();
      }
    });
    /* The heights of the preview as the page arrived. */
    Array.prototype.forEach.call(panel.querySelectorAll('.preview-language[data-preview-language]'), function (section) {
      var frame = section.querySelector('iframe');
      if (frame) {
        checkHeights(section, frame.getAttribute('srcdoc') || '');
      }
    });
  }

  /* ---- the preview on a phone ----
   * Without script a link jumps to the preview below the form; with it, a
   * button shows the preview over the form and hides it again. */
  function previewToggle() {
    var link = document.querySelector('.campaign-to-preview');
    var editor = document.querySelector('.campaign-editor');
    var panel = document.getElementById('campaign-preview');
    if (!link || !editor || !panel) {
      return;
    }
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'campaign-preview-toggle';
    button.setAttribute('aria-controls', 'campaign-preview');
    button.setAttribute('aria-expanded', 'false');
    button.textContent = 'Show the preview';
    button.addEventListener('click', function () {
      var open = !editor.classList.contains('preview-open');
      editor.classList.toggle('preview-open', open);
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
      button.textContent = open ? 'Back to the form' : 'Show the preview';
      if (open) {
        panel.scrollTop = 0;
      }
    });
    document.body.appendChild(button);
  }

  function start() {
    livePreview();
    previewToggle();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
