// The operator board: refreshes itself, and replays dead letters with the operator token.
// Served as /static/board.js (the page's CSP allows scripts from the gateway only).
(() => {
  "use strict";
  const board = document.getElementById("board");
  const updated = document.getElementById("updated");
  const flash = document.getElementById("flash");
  const tokenInput = document.getElementById("token");
  const seconds = Math.max(1, Number(document.body.dataset.refreshSeconds) || 5);
  const TOKEN_KEY = "aftersale-operator-token";
  let timer = null;

  if (tokenInput) {
    tokenInput.value = sessionStorage.getItem(TOKEN_KEY) || "";
    tokenInput.addEventListener("input", () => sessionStorage.setItem(TOKEN_KEY, tokenInput.value));
  }

  function say(text, isError) {
    flash.textContent = text;
    flash.classList.toggle("error", Boolean(isError));
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      const response = await fetch("/board/fragment", { cache: "no-store" });
      if (!response.ok) throw new Error("HTTP " + response.status);
      board.innerHTML = await response.text();
      const now = new Date().toISOString();
      updated.textContent = "updated " + now.slice(0, 10) + " " + now.slice(11, 19) + " UTC";
      updated.classList.remove("stale");
    } catch (error) {
      updated.textContent = "refresh failed (" + error.message + "), retrying";
      updated.classList.add("stale");
    } finally {
      timer = setTimeout(refresh, seconds * 1000);
    }
  }

  async function replay(button) {
    const id = button.dataset.replay;
    const token = tokenInput ? tokenInput.value.trim() : "";
    if (!token) {
      say("Type the operator token first.", true);
      tokenInput && tokenInput.focus();
      return;
    }
    button.disabled = true;
    try {
      const response = await fetch("/api/dlq/" + encodeURIComponent(id) + "/replay", {
        method: "POST",
        headers: { Authorization: "Bearer " + token },
      });
      const answer = await response.json().catch(() => ({}));
      if (response.ok) {
        say("Replayed " + id + ".", false);
      } else {
        say("Replay of " + id + " failed: " + (answer.error || "HTTP " + response.status), true);
      }
    } catch (error) {
      say("Replay of " + id + " failed: " + error.message, true);
    } finally {
      button.disabled = false;
      refresh();
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-replay]");
    if (button) replay(button);
  });
  timer = setTimeout(refresh, seconds * 1000);
})();
