// The warehouse pages' few behaviours: the unread badge, the running clock, no double taps,
// the service worker of the installable app and the phone notifications offer.
(function () {
  "use strict";
  var body = document.body;

  // Unread badge: refreshed every 30 s and when the phone wakes the page up.
  function refreshUnread() {
    if (document.hidden || !body.dataset.unreadUrl) return;
    fetch(body.dataset.unreadUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        document.querySelectorAll("[data-unread]").forEach(function (badge) {
          badge.textContent = data.unread;
          badge.hidden = !data.unread;
        });
      })
      .catch(function () {});
  }
  setInterval(refreshUnread, 30000);
  document.addEventListener("visibilitychange", refreshUnread);

  // A running clock counts on without a reload, seconds included (H:MM:SS), every second.
  var loaded = Date.now();
  function two(n) { return String(n).padStart(2, "0"); }
  function tick() {
    document.querySelectorAll("[data-clock][data-running]").forEach(function (el) {
      var seconds = Number(el.dataset.clock) + Math.floor((Date.now() - loaded) / 1000);
      el.textContent = Math.floor(seconds / 3600) + ":" + two(Math.floor(seconds / 60) % 60) + ":" + two(seconds % 60);
    });
  }
  setInterval(tick, 1000);

  // A refused comment comes back with its error beside the form: bring it into view.
  var refused = document.querySelector(".comment-form [role=alert]");
  if (refused) refused.scrollIntoView({ block: "center" });

  // One tap, one request: a second tap on a slow network must not start twice.
  document.addEventListener("submit", function (event) {
    var button = event.target.querySelector("button[type=submit]");
    if (button) setTimeout(function () { button.disabled = true; }, 0);
  });

  if (!("serviceWorker" in navigator) || !body.dataset.swUrl) return;
  navigator.serviceWorker.register(body.dataset.swUrl).then(offerPush).catch(function () {});

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function keyBytes(base64url) {
    var raw = atob((base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(raw, function (c) { return c.charCodeAt(0); });
  }
  function save(subscription) {
    return fetch(body.dataset.pushUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(subscription),
    });
  }
  function offerPush(registration) {
    var key = body.dataset.pushKey;
    if (!key || !("PushManager" in window) || Notification.permission === "denied") return;
    registration.pushManager.getSubscription().then(function (existing) {
      if (existing) return save(existing); // the phone may have a new user since
      var offer = document.querySelector("[data-push-offer]");
      if (!offer) return;
      offer.hidden = false;
      offer.querySelector("[data-push-enable]").addEventListener("click", function () {
        registration.pushManager
          .subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) })
          .then(save)
          .then(function () { offer.hidden = true; })
          .catch(function () { offer.hidden = true; });
      });
    });
  }
})();
