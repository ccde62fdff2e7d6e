// The session timeout warning (the GOV.UK and NHS timeout-warning pattern; WCAG 2.2.1 Timing
// Adjustable): a few minutes before the session ends, a modal dialog says so and offers "Stay signed
// in" (a POST with the session's CSRF token, sent here without leaving the page, so nothing typed
// is lost) and "Sign out". Screen readers hear the time left when the dialog opens and then each
// minute (each 20 seconds in the last minute), not every second.
const dialog = document.getElementById("session-timeout");

if (dialog && typeof dialog.showModal === "function") {
  const keepForm = dialog.querySelector("[data-keep-session]");
  const shown = dialog.querySelector("[data-countdown]");
  const announced = dialog.querySelector("[data-countdown-announced]");
  const heading = document.getElementById("session-timeout-heading");
  const message = document.getElementById("session-timeout-message");
  const closeButton = dialog.querySelector("[data-close]");
  const endsAtText = document.querySelector("[data-session-ends-at]");
  const warningSeconds = Number(dialog.dataset.warningSeconds);
  let endsAt = 0;
  let warnTimer = 0;
  let tick = 0;
  let lastAnnounced = "";

  const inWords = (seconds) => {
    if (seconds >= 60) {
      const minutes = Math.ceil(seconds / 60);
      return `${minutes} minute${minutes === 1 ? "" : "s"}`;
    }
    return `${seconds} second${seconds === 1 ? "" : "s"}`;
  };

  const secondsLeft = () => Math.max(0, Math.round((endsAt - Date.now()) / 1000));

  const schedule = (seconds) => {
    endsAt = Date.now() + seconds * 1000;
    window.clearTimeout(warnTimer);
    window.clearInterval(tick);
    warnTimer = window.setTimeout(warn, Math.max(0, seconds - warningSeconds) * 1000);
    if (endsAtText) {
      endsAtText.textContent = new Date(endsAt).toLocaleTimeString("en-GB", {
        hour: "2-digit",
        minute: "2-digit",
        timeZone: "Europe/London",
      });
    }
  };

  const ended = () => {
    window.clearInterval(tick);
    heading.textContent = heading.dataset.endedText;
    message.textContent = message.dataset.endedText;
    dialog.querySelectorAll("form").forEach((form) => {
      form.hidden = true;
    });
    closeButton.hidden = false;
    closeButton.focus();
  };

  const update = () => {
    const left = secondsLeft();
    if (left === 0) {
      ended();
      return;
    }
    shown.textContent = inWords(left);
    const spoken = left > 60 ? inWords(left) : left <= 20 ? "20 seconds or less" : "1 minute";
    if (spoken !== lastAnnounced) {
      lastAnnounced = spoken;
      announced.textContent = inWords(left);
    }
  };

  function warn() {
    lastAnnounced = "";
    update();
    if (!dialog.open) {
      dialog.showModal();
    }
    tick = window.setInterval(update, 1000);
  }

  keepForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const response = await fetch(keepForm.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(keepForm)),
        credentials: "same-origin",
        redirect: "manual",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) {
        ended();
        return;
      }
      const answer = await response.json();
      dialog.close();
      schedule(Number(answer.secondsLeft));
    } catch {
      ended();
    }
  });

  closeButton.addEventListener("click", () => dialog.close());
  // Escape closes a modal dialog; the time left stays as it was.
  schedule(Number(dialog.dataset.secondsLeft));
}
