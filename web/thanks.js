/* The thank-you page's only script: it marks this browser as a supporter's,
   in the same storage entry the widget keeps, so appeals stop. Where the
   reader chose that this device keeps nothing (the appeal's menu or the
   support page: trace=none, patron-trace = none), the mark lives in this
   tab only. */
(() => {
  try {
    const traceless =
      new URLSearchParams(location.search).get('trace') == 'none' ||
      sessionStorage.getItem('patron-trace') == 'none' ||
      localStorage.getItem('patron-trace') == 'none';
    const area = traceless ? sessionStorage : localStorage;
    const state = JSON.parse(area.getItem('patron')) || {};
    state.supporter = true;
    area.setItem('patron', JSON.stringify(state));
  } catch (e) {
    /* No storage (private mode): nothing to remember, nothing to break. */
  }
})();
