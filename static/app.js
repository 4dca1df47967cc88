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
