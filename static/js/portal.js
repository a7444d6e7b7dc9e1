// The portal's only script. The Content-Security-Policy runs scripts from this host only, so no
// template carries an inline handler (onsubmit=...): behaviour is attached here instead.

// A form with data-confirm="Question?" asks before it is sent (cancelling a registration).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) {
    return;
  }
  if (!window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
