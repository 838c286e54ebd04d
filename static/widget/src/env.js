// What the loader (loader.js) learned before it fetched this file: the script
// tag's settings, the widget's config, and the launcher it drew. The widget proper
// runs as a classic script the loader inserted, which hands these over on the
// script element itself, so no global is needed.

import { storageKey } from "./stored.js";

export const handoff = (document.currentScript && document.currentScript.parley) || null;

const given = handoff || { key: "", server: location.origin, forced: "auto" };
export const KEY = given.key;
export const SERVER = given.server;
export const FORCED = given.forced;
export const REOPEN = given.reopen;
export const WS_URL = SERVER.replace(/^http/, "ws") + "/ws/widget/?lang=";
export const STORAGE_KEY = storageKey(SERVER, KEY);

export const HISTORY_PAGE = 100;
export const PING_EVERY = 25000;
export const TYPING_RESEND = 3000;
export const TYPING_IDLE = 2000;
export const PEEK_EVERY = 1000;
export const TYPING_EXPIRE = 8000; // an agent who vanished never sends "stop"
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const FILE_TYPES = /^(image\/(png|jpeg|gif|webp)|application\/pdf)$/;
export const PROBE_EVERY = 300000;
export const EMOJI = "😀 😂 😊 😍 😉 🙂 😅 🤔 😮 😢 😴 🙈 👍 👎 👏 🙏 👋 💪 🎉 ❤️ 🔥 ✅ ⭐ ☕".split(" ");

export const noop = () => {};
