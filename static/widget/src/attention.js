// Telling a visitor in another tab that an agent wrote.

import { say } from "./look.js";

let audio = null;
let blink = 0;
let unseen = 0; // agent messages while the tab was hidden
let pageTitle = "";

// A tone made here (no file to fetch); a title that blinks, or holds still for
// those who asked for less motion.
export function attention() {
  try {
    const ac = (audio ||= new AudioContext());
    const gain = new GainNode(ac, { gain: 0.1 });
    const osc = new OscillatorNode(ac, { frequency: 880 });
    gain.gain.setTargetAtTime(0, ac.currentTime + 0.1, 0.08);
    osc.connect(gain).connect(ac.destination);
    osc.start();
    osc.stop(ac.currentTime + 0.5);
  } catch (e) {
    /* no audio here */
  }
  if (!blink) pageTitle = document.title;
  clearInterval(blink);
  const text = (document.title = say("newMsg", ++unseen));
  const still = matchMedia("(prefers-reduced-motion: reduce)").matches;
  blink = setInterval(() => (document.title = still || document.title !== text ? text : pageTitle), 1000);
}

export function calm() {
  if (!blink) return;
  clearInterval(blink);
  blink = unseen = 0;
  document.title = pageTitle;
}

