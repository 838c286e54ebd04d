// The article form's live preview: the body as the help centre will show it,
// rendered and sanitised by the server (the same code as the public pages), so
// what the editor sees is exactly what visitors get. The HTML that comes back
// has been through nh3; nothing else is ever put into the page as HTML.
// Admin loads form media in the head: wait for the form.
function setUpPreview() {
  "use strict";
  const body = document.querySelector("textarea[data-preview-url]");
  if (!body) return;
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  const button = document.createElement("button");
  button.type = "button";
  button.className = "button";
  button.textContent = "Preview";
  const status = document.createElement("span");
  status.setAttribute("role", "status");
  status.style.marginLeft = "8px";
  const output = document.createElement("div");
  output.className = "help-preview";
  output.style.cssText = "border:1px solid #ccc;padding:8px 16px;margin-top:8px;max-width:760px";
  output.hidden = true;
  // Below the field, full width: admin lays a field's row out as a flex line.
  const panel = document.createElement("div");
  panel.style.marginTop = "8px";
  panel.append(button, status, output);
  (body.closest(".form-row") || body.parentElement).append(panel);

  button.addEventListener("click", async () => {
    status.textContent = "Rendering…";
    const form = new FormData();
    form.append("body", body.value);
    try {
      const response = await fetch(body.dataset.previewUrl, {
        method: "POST",
        body: form,
        headers: { "X-CSRFToken": token ? token.value : "" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(`${response.status}`);
      const { html } = await response.json();
      output.innerHTML = html;
      output.hidden = false;
      status.textContent = "";
    } catch (error) {
      status.textContent = `Preview failed (${error.message}).`;
    }
  });
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", setUpPreview);
} else {
  setUpPreview();
}
