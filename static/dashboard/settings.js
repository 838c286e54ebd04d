// The agent's own settings page (/agent/settings/): name, notification
// preferences, picture and password, each saved through /api/agent/me/.

import { request } from "./api.js";

const ME = "/api/agent/me/";
const status = document.getElementById("settings-status");

function say(text, ok = true) {
  status.textContent = text;
  status.dataset.state = ok ? "ok" : "error";
}

/** Run `save` for a form's submit, and say how it went. */
function onSubmit(form, save, done) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await save(form);
      say(done);
    } catch (error) {
      say(error.message, false);
    }
  });
}

onSubmit(
  document.getElementById("profile-form"),
  (form) =>
    request("PATCH", ME, {
      display_name: form.display_name.value,
      notify_sound: form.notify_sound.checked,
      notify_desktop: form.notify_desktop.checked,
    }),
  "Saved.",
);

const preview = document.getElementById("avatar-preview");
const showAvatar = (me) => {
  // A new query string, so the browser doesn't show the picture it cached.
  preview.src = `${me.avatar}?v=${Date.now()}`;
};

onSubmit(
  document.getElementById("avatar-form"),
  async (form) => {
    if (!form.avatar.files.length) throw new Error("Choose a picture first.");
    const body = new FormData();
    body.append("avatar", form.avatar.files[0]);
    showAvatar(await request("POST", `${ME}avatar/`, body));
    form.reset();
  },
  "Picture saved.",
);

document.getElementById("avatar-remove").addEventListener("click", async () => {
  try {
    showAvatar(await request("DELETE", `${ME}avatar/`));
    say("Your initials are back.");
  } catch (error) {
    say(error.message, false);
  }
});

onSubmit(
  document.getElementById("password-form"),
  async (form) => {
    await request("POST", `${ME}password/`, {
      old_password: form.old_password.value,
      new_password: form.new_password.value,
    });
    form.reset();
  },
  "Password changed.",
);
