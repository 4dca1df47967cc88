// TenantPilot — a little of our own JavaScript; every page works without it.
document.addEventListener("click", (event) => {
  // Close other open switchers when one opens, and all of them on an outside click.
  for (const d of document.querySelectorAll("details.switcher[open]")) {
    if (!d.contains(event.target)) d.removeAttribute("open");
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    for (const d of document.querySelectorAll("details.switcher[open]")) d.removeAttribute("open");
  }
});
// Copy buttons: shown only with JavaScript; without it the text stays selectable.
for (const button of document.querySelectorAll("button[data-copy]")) {
  const source = document.getElementById(button.dataset.copy);
  if (!source || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.textContent.trim());
      button.textContent = button.dataset.copied;
    } catch {
      // Clipboard refused (permissions): select the text so the user can copy it by hand.
      window.getSelection().selectAllChildren(source);
    }
  });
}
// Live run progress: while a run is active its viewer polls the run's progress fragment every
// 2 s and swaps each changed part in place (no reload, so scroll and focus stay; the status and
// counts parts are aria-live regions). Without JavaScript the viewer's Refresh link reloads.
const liveRun = document.querySelector("[data-run-progress]");
if (liveRun) {
  const POLL_MS = 2000;
  const swap = (html) => {
    const doc = new DOMParser().parseFromString(html, "text/html");
    const next = doc.querySelector("[data-run-progress]");
    if (!next) return false;
    for (const part of next.querySelectorAll("[data-run-part]")) {
      const here = liveRun.querySelector(`[data-run-part="${part.dataset.runPart}"]`);
      if (here && here.innerHTML !== part.innerHTML) here.innerHTML = part.innerHTML;
    }
    liveRun.dataset.runActive = next.dataset.runActive;
    return next.dataset.runActive === "true";
  };
  const poll = async () => {
    let again = true;
    let wait = POLL_MS;
    try {
      const response = await fetch(liveRun.dataset.runProgress, {
        headers: { Accept: "text/html" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) {
        again = swap(await response.text());
      } else {
        // Signed out or no longer in scope: stop; the Refresh link shows why.
        again = response.status >= 500;
        wait = POLL_MS * 3;
      }
    } catch {
      wait = POLL_MS * 3; // offline for a moment: try again a little later
    }
    if (again) setTimeout(poll, wait);
  };
  if (liveRun.dataset.runActive === "true") setTimeout(poll, POLL_MS);
}
// Pending work shown on a page (a review pack being generated, a verification running): poll
// the page itself every 2 s and load it afresh once the answer no longer marks anything as
// pending. Replaces a meta refresh, which reloads under the reader's hands; without
// JavaScript the marker's Refresh link does the same by hand.
if (document.querySelector("[data-pending-poll]")) {
  const POLL_MS = 2000;
  const poll = async () => {
    try {
      const response = await fetch(location.href, {
        headers: { Accept: "text/html" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) {
        const doc = new DOMParser().parseFromString(await response.text(), "text/html");
        if (!doc.querySelector("[data-pending-poll]")) {
          location.replace(location.href);
          return;
        }
      }
    } catch {
      // offline for a moment: try again below
    }
    setTimeout(poll, POLL_MS);
  };
  setTimeout(poll, POLL_MS);
}
// Forms marked data-busy-form (the support request): on submit, disable the submit button and
// say what is happening (a desk call can take seconds), so nobody submits twice. The label
// comes from the checked option's data-busy-label, else the button's own; a polite live
// region repeats it for screen readers. Restored when the page comes back from the history.
for (const form of document.querySelectorAll("form[data-busy-form]")) {
  const button = form.querySelector("button[type=submit]");
  if (!button) continue;
  const idle = button.textContent;
  const status = form.querySelector("[data-busy-status]");
  form.addEventListener("submit", (event) => {
    if (form.dataset.busy === "true") {
      event.preventDefault();
      return;
    }
    const chosen = form.querySelector("input[data-busy-label]:checked");
    const label = (chosen && chosen.dataset.busyLabel) || button.dataset.busyLabel || idle;
    form.dataset.busy = "true";
    form.setAttribute("aria-busy", "true");
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
    button.textContent = label;
    if (status) status.textContent = label;
  });
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    delete form.dataset.busy;
    form.removeAttribute("aria-busy");
    button.removeAttribute("aria-busy");
    button.disabled = false;
    button.textContent = idle;
    if (status) status.textContent = "";
  });
}
