// Live updates: a Socket.IO connection carries thin messages ({event_id, thread_id, post_id,
// type}); on a thread page the changed parts (the question, the answers, the case panel) are
// fetched again over HTTP, through the same policies and caches as the page itself.
// Progressive enhancement: without this script (or a socket) the page is simply reloaded by hand.
// Every message is also dispatched as a DOM event "commonplace:<name>" (e.g. a bell can listen).
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  if (!root || typeof window.io !== "function" || !window.fetch || !window.DOMParser) { return; }
  var threadId = parseInt(root.dataset.liveThread || "0", 10);
  var cursor = parseInt(root.dataset.liveAfter || "0", 10);
  var status = document.getElementById("live-status");
  var PARTS = ["article.question", "#case", "section.answers"];
  var timer = null, hider = null, loading = false, again = false, stopped = false;

  var socket = window.io(root.dataset.liveUrl || undefined, {
    path: root.dataset.livePath || "/socket.io",
    transports: ["websocket"],  // no sticky sessions needed behind a proxy
    reconnectionDelayMax: 30000
  });

  function say(text, briefly) {
    if (!status) { return; }
    clearTimeout(hider);
    status.textContent = text;
    status.hidden = !text;
    if (briefly) { hider = setTimeout(function () { say(""); }, 4000); }
  }

  function busyIn(part) {  // never replace a form field someone is typing in
    var active = document.activeElement;
    return active && part.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
  }

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    var changed = false;
    PARTS.forEach(function (selector) {
      var now = document.querySelector(selector), next = fresh.querySelector(selector);
      if (now && next && !busyIn(now) && now.innerHTML !== next.innerHTML) {
        now.replaceWith(document.importNode(next, true));
        changed = true;
      }
    });
    if (changed) { say("Updated with new activity.", true); }
  }

  function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    fetch(window.location.pathname, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) {
        if (response.status === 404) { gone(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) { if (html) { swap(html); } })
      .catch(function () { /* the next message tries again */ })
      .then(function () {
        loading = false;
        if (again) { again = false; soon(); }
      });
  }

  function soon() {  // a burst of votes is one fetch
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }

  function gone() {
    stopped = true;
    say("This thread is no longer available.");
    socket.emit("leave_thread", {thread_id: threadId});
  }

  function join() {
    if (!threadId || stopped) { return; }
    socket.emit("join_thread", {thread_id: threadId, last_event_id: cursor}, function (answer) {
      if (!answer || !answer.ok) { gone(); return; }
      if (answer.resync) { soon(); }
    });
  }

  socket.on("connect_error", function () {
    if (!socket.active) { socket.disconnect(); }  // refused (a busy server): the page still works
  });
  socket.on("connect", join);  // again after every reconnect: the server replays what we missed
  socket.on("update", function (message) {
    if (!message || message.thread_id !== threadId || message.event_id <= cursor) { return; }
    cursor = message.event_id;
    soon();
  });
  socket.on("thread_gone", function (message) {
    if (message && message.thread_id === threadId) { join(); }  // staff may still follow it
  });
  socket.on("notifications", function (message) {  // the header's bell, on this page too
    var bell = document.querySelector("a.bell");
    if (!bell || !message || typeof message.unread !== "number") return;
    var count = bell.querySelector("b") || bell.appendChild(document.createElement("b"));
    count.textContent = message.unread > 99 ? "99+" : String(message.unread);
    count.hidden = message.unread === 0;
    bell.setAttribute("aria-label", "Notifications, " + message.unread + " unread");
  });
  socket.onAny(function (name, data) {
    document.dispatchEvent(new CustomEvent("commonplace:" + name, {detail: data}));
  });
}());
