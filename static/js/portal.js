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

// An element with data-refresh="<seconds>" (the host's check-in page on a projector) has its
// content fetched again every so often, while the tab is visible, so the code moves on to the
// next session and the count of check-ins stays current without reloading the page.
for (const region of document.querySelectorAll("[data-refresh]")) {
  const seconds = Math.max(15, Number(region.dataset.refresh) || 60);
  window.setInterval(async () => {
    if (document.visibilityState !== "visible") {
      return;
    }
    try {
      const response = await fetch(window.location.href, { credentials: "same-origin" });
      if (!response.ok) {
        return;
      }
      const fresh = new DOMParser()
        .parseFromString(await response.text(), "text/html")
        .getElementById(region.id);
      if (fresh) {
        region.replaceChildren(...fresh.childNodes);
      }
    } catch {
      // Offline for a moment: keep what is shown, try again next time.
    }
  }, seconds * 1000);
}

// The main and coordinator's menus (<details class="site-menu">) are shown open on wide screens
// by CSS (::details-content). A browser without that selector gets them opened here instead.
if (!CSS.supports("selector(::details-content)")) {
  const wide = window.matchMedia("(min-width: 761px)");
  const follow = () => {
    for (const menu of document.querySelectorAll("details.site-menu")) {
      menu.open = wide.matches;
    }
  };
  follow();
  wide.addEventListener("change", follow);
}
