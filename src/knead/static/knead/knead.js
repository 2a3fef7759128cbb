// Knead's only script: idle logout, CSRF for htmx, confirmations and small conveniences.
// The Content-Security-Policy forbids inline scripts, so behaviour hangs on data- attributes.
(function () {
  const body = document.body;

  // Pass the CSRF token on every htmx request.
  document.addEventListener("htmx:configRequest", (event) => {
    const token = document.querySelector("meta[name=csrf-token]");
    if (token) event.detail.headers["X-CSRFToken"] = token.content;
  });

  // Confirm forms or buttons that carry data-confirm.
  document.addEventListener("submit", (event) => {
    const button = event.submitter;
    const message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });

  // Auto-submit selects marked data-autosubmit (the practice switcher).
  document.addEventListener("change", (event) => {
    if (event.target.matches("[data-autosubmit]")) event.target.form.submit();
  });

  document.addEventListener("click", (event) => {
    if (event.target.matches("[data-print]")) window.print();
  });

  // Idle logout: warn a minute before the server-side session ends, then go to sign-in.
  const minutes = parseInt(body.dataset.idleMinutes || "0", 10);
  if (!minutes) return;
  const warning = document.getElementById("idle-warning");
  let last = Date.now();
  let lastPing = Date.now();
  const touch = () => { last = Date.now(); if (warning) warning.classList.remove("show"); };
  // Typing a long note is activity too: tell the server at most once a minute.
  const active = () => {
    touch();
    if (Date.now() - lastPing > 60000) {
      lastPing = Date.now();
      fetch(body.dataset.pingUrl, { credentials: "same-origin" });
    }
  };
  document.addEventListener("htmx:afterRequest", touch);
  ["keydown", "mousedown", "touchstart"].forEach((name) => document.addEventListener(name, active, { passive: true }));
  setInterval(() => {
    const idle = (Date.now() - last) / 60000;
    if (idle >= minutes) {
      window.location.href = body.dataset.loginUrl + "?next=" + encodeURIComponent(window.location.pathname);
    } else if (idle >= minutes - 1 && warning) {
      warning.classList.add("show");
    }
  }, 15000);
})();
