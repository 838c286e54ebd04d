// Asking before an action that may be a mistake, in the page's own <dialog>
// (modal: focus stays inside, Escape answers no), not window.confirm, which
// blocks the socket's frames while it is open and cannot be styled or tested.

/**
 * Ask in `dialog` (templates/agents/dashboard.html #confirm-dialog); resolves
 * true only for its confirm button. The focus starts on Cancel and goes back to
 * where it was.
 * @param {{title: string, text: string, confirm: string}} words
 */
export function askToConfirm(dialog, { title, text, confirm }) {
  dialog.querySelector("h2").textContent = title;
  dialog.querySelector("p").textContent = text;
  dialog.querySelector("[value='confirm']").textContent = confirm;
  if (dialog.open) return Promise.resolve(false); // already asking something
  const before = document.activeElement;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => {
      if (before?.isConnected) before.focus();
      resolve(dialog.returnValue === "confirm");
    }, { once: true });
  });
}
