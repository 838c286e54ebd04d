// The widget's admin page: the "Copy" button beside the embed tag. Loaded by
// helpdesk.admin.WidgetAdmin.Media (Django admin pages are not ES modules).
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  let copied = false;
  try {
    await navigator.clipboard.writeText(field.value);
    copied = true;
  } catch {
    // No clipboard API (an http page on another host): select it and copy.
    field.select();
    copied = document.execCommand("copy");
  }
  button.textContent = copied ? "Copied" : "Press Ctrl+C to copy";
});
