/* The thank-you page's only script: it marks this browser as a supporter's,
   in the same localStorage entry the widget keeps, so appeals stop. */
(() => {
  try {
    const state = JSON.parse(localStorage.getItem('patron')) || {};
    state.supporter = true;
    localStorage.setItem('patron', JSON.stringify(state));
  } catch (e) {
    /* No storage (private mode): nothing to remember, nothing to break. */
  }
})();
