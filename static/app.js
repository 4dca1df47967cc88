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
