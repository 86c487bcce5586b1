/* The dashboard's enhancements. Every page works without this file: it only
 * makes the campaign editor's preview follow the form as the editor types.
 * Plain browser JavaScript, no build step, no third-party code. */
(function () {
  'use strict';

  /* ---- the campaign editor's live preview ----
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
    var sections = panel.querySelectorAll('.preview-language[data-preview-language]');
    var timer = null;
    var generation = 0;
    var controller = null;

    var status = document.createElement('p');
    status.className = 'preview-status';
    status.setAttribute('role', 'status');
    panel.insertBefore(status, panel.querySelector('.preview-language'));
    panel.setAttribute('data-live', '');

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
    }

    function update() {
      generation += 1;
      var mine = generation;
      if (controller) {
        controller.abort();
      }
      controller = window.AbortController ? new AbortController() : null;
      status.textContent = 'Updating the preview…';
      var pending = sections.length;
      /* The form once (its hidden csrf field included), then one copy per
       * language. */
      var fields = new URLSearchParams(new FormData(form)).toString();
      Array.prototype.forEach.call(sections, function (section) {
        var body = new URLSearchParams(fields);
        body.set('preview_language', section.getAttribute('data-preview-language'));
        fetch(url, {
          method: 'POST',
          body: body,
          credentials: 'same-origin',
          signal: controller ? controller.signal : undefined
        }).then(function (response) {
          if (response.redirected || !response.ok) {
            throw new Error(response.redirected
              ? 'Your session has ended: sign in again in another tab, then change a field.'
              : 'The preview could not be updated (' + response.status + ').');
          }
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
        }).catch(function (error) {
          if (mine === generation && error.name !== 'AbortError') {
            status.textContent = error.message;
          }
        });
      });
    }

    function schedule() {
      clearTimeout(timer);
      timer = setTimeout(update, 400);
    }

    form.addEventListener('input', function (event) {
      if (event.target && /^v\d+\.id$/.test(event.target.name || '')) {
        refreshPicker();
      }
      schedule();
    });
    form.addEventListener('change', schedule);
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
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', livePreview);
  } else {
    livePreview();
  }
}());
