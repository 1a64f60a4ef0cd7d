// icecheck's gathering page (served by icecheck on this machine; see icecheck/live/page.py).
// It gathers ICE candidates with the browser's own RTCPeerConnection, posts them to the icecheck
// server that served it (and nowhere else), and shows the audit the server sends back.
// The configuration is a JSON block in the page: {mode: "auto"|"serve", run, iceServers,
// scenarios: [{name, title, policy, gum}], waitMs}. No third-party resource, no inline script.
"use strict";

const config = JSON.parse(document.getElementById("icecheck-config").textContent);
const base = config.base;  // "/TOKEN/": every request carries the one-time token

function status(text) {
  document.getElementById("icecheck-status").textContent = text;
}

async function gather(scenario) {
  const started = performance.now();
  const out = {run: config.run || null, scenario: scenario.name, userAgent: navigator.userAgent,
               candidates: [], errors: [], finished: "", elapsedMs: 0};
  let stream = null;
  if (scenario.gum) {
    // A live capture is what makes Firefox (and Chromium) show raw host addresses.
    try {
      stream = await navigator.mediaDevices.getUserMedia({audio: true});
    } catch (err) {
      out.errors.push({url: null, errorCode: 0, errorText: "getUserMedia: " + err.name + ": " + err.message});
    }
  }
  const pc = new RTCPeerConnection({iceServers: config.iceServers, iceTransportPolicy: scenario.policy});
  pc.addEventListener("icecandidateerror", (e) => {
    out.errors.push({url: e.url || null, errorCode: e.errorCode || 0, errorText: String(e.errorText || "")});
  });
  const gathered = new Promise((resolve) => {
    pc.addEventListener("icecandidate", (e) => {
      if (!e.candidate) {
        resolve("complete");
      } else if (e.candidate.candidate) {
        out.candidates.push({candidate: e.candidate.candidate, url: e.url || e.candidate.url || null});
      }
    });
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") resolve("complete");
    });
  });
  if (stream) stream.getTracks().forEach((t) => pc.addTrack(t, stream));
  pc.createDataChannel("icecheck");
  await pc.setLocalDescription(await pc.createOffer());
  const timer = new Promise((resolve) => setTimeout(() => resolve("timeout"), config.waitMs));
  out.finished = await Promise.race([gathered, timer]);
  out.elapsedMs = Math.round(performance.now() - started);
  pc.close();
  if (stream) stream.getTracks().forEach((t) => t.stop());
  return out;
}

async function post(result) {
  const reply = await fetch(base + "result", {method: "POST", headers: {"Content-Type": "application/json"},
                                              body: JSON.stringify(result), credentials: "omit"});
  if (!reply.ok) throw new Error("the icecheck server answered " + reply.status);
  return reply.json();
}

async function runScenario(scenario) {
  status("gathering: " + scenario.title);
  const result = await gather(scenario);
  const answer = await post(result);
  if (answer.html) {
    const section = document.createElement("section");
    section.innerHTML = answer.html;  // rendered by icecheck with every input string escaped
    document.getElementById("icecheck-results").prepend(section);
  }
  status("done: " + scenario.title + " (" + result.candidates.length + " candidates, " + result.finished + ")");
}

async function main() {
  const byName = Object.fromEntries(config.scenarios.map((s) => [s.name, s]));
  if (config.mode === "auto") {
    await runScenario(byName[config.scenario]);
    document.title = "icecheck: done";
    return;
  }
  for (const s of config.scenarios.filter((s) => !s.gum)) await runScenario(s);
  const button = document.getElementById("icecheck-permission");
  if (byName.permission) {
    button.hidden = false;
    button.addEventListener("click", () => {
      if (!window.isSecureContext) {
        status("camera/microphone access needs a secure context (https, or http://127.0.0.1 on this device)");
        return;
      }
      runScenario(byName.permission).catch((err) => status("error: " + err));
    });
  }
}

main().catch(async (err) => {
  status("error: " + err);
  try {
    await post({run: config.run || null, scenario: config.scenario || "", userAgent: navigator.userAgent,
                candidates: [], errors: [{url: null, errorCode: 0, errorText: "page: " + err}],
                finished: "error", elapsedMs: 0});
  } catch (ignored) {
    // the server is gone: nothing more to tell it
  }
});
