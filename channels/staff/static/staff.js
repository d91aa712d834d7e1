/* Staff console page: sign in, poll the queue and the open conversation every
 * two seconds, and send replies and case actions to /webhooks/staff/api.
 *
 * Everything residents wrote is shown with textContent only (never parsed as
 * HTML), and every POST carries the CSRF token the server gave at sign-in.
 */
(function () {
  "use strict";

  var API = "/webhooks/staff/api";
  var POLL_MS = 2000;
  var MODES = { live: "Live chat", callback: "Callback", review: "Decision needed" };
  var state = { csrf: null, username: null, currentId: null, shownLines: 0, conversation: null, timer: null };

  function $(id) { return document.getElementById(id); }

  function when(iso) {
    if (!iso) { return ""; }
    var date = new Date(iso);
    return isNaN(date) ? iso : date.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
  }

  function show(id, on) { $(id).hidden = !on; }

  function setText(id, text) { $(id).textContent = text || ""; }

  function error(text) {
    setText("action-error", text);
    show("action-error", !!text);
  }

  function status(text) { setText("action-status", text); }

  function api(method, path, body) {
    var headers = { "X-Staff-Console": "1" };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      if (state.csrf) { headers["X-CSRF-Token"] = state.csrf; }
    }
    return fetch(API + path, {
      method: method, credentials: "same-origin", headers: headers,
      body: method === "GET" ? undefined : JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.status === 401 && path !== "/sign-in") { signedOut(); }
        if (!response.ok) { throw new Error(data.error || ("HTTP " + response.status)); }
        return data;
      });
    });
  }

  // --- signing in and out ---------------------------------------------------

  function signedIn(me) {
    state.csrf = me.csrf_token;
    state.username = me.username;
    setText("who-name", me.display_name + " (" + me.username + ")");
    show("who", true);
    show("sign-out", true);
    show("sign-in-section", false);
    show("console", true);
    refreshQueue();
    if (!state.timer) { state.timer = window.setInterval(poll, POLL_MS); }
  }

  function signedOut() {
    state.csrf = null;
    state.username = null;
    state.currentId = null;
    if (state.timer) { window.clearInterval(state.timer); state.timer = null; }
    show("who", false);
    show("sign-out", false);
    show("console", false);
    show("sign-in-section", true);
  }

  $("sign-in-form").addEventListener("submit", function (event) {
    event.preventDefault();
    setText("sign-in-error", "");
    show("sign-in-error", false);
    api("POST", "/sign-in", { username: $("username").value, password: $("password").value })
      .then(function (me) {
        $("password").value = "";
        signedIn(me);
        $("queue-title").setAttribute("tabindex", "-1");
        $("queue-title").focus();
      })
      .catch(function (e) {
        setText("sign-in-error", e.message);
        show("sign-in-error", true);
        $("password").focus();
      });
  });

  $("sign-out").addEventListener("click", function () {
    api("POST", "/sign-out").then(signedOut, signedOut);
  });

  // --- the queue --------------------------------------------------------------

  function waited(seconds) {
    var minutes = Math.floor(seconds / 60);
    return minutes ? minutes + " min " + (seconds % 60) + " s" : seconds + " s";
  }

  function summary(item) {
    var who = item.claimed_by ? "claimed by " + item.claimed_by : "waiting " + waited(item.waiting_seconds);
    return who + ", " + item.channel + (item.case_reference ? ", " + item.case_reference : "") + ". " +
      item.reason + ".";
  }

  function queueItem(item) {
    var li = document.createElement("li");
    li.setAttribute("data-id", String(item.id));
    var mode = document.createElement("span");
    mode.className = "mode";
    li.appendChild(mode);
    var text = document.createElement("span");
    text.className = "summary";
    li.appendChild(text);
    li.appendChild(document.createElement("br"));
    var open = document.createElement("button");
    open.type = "button";
    open.textContent = "Open conversation " + item.id;
    open.addEventListener("click", function () { openConversation(item.id); });
    li.appendChild(open);
    return li;
  }

  function refreshQueue() {
    // Items are updated in place (never rebuilt), so keyboard focus on a button survives each poll.
    return api("GET", "/queue").then(function (data) {
      var list = $("queue-list");
      var wanted = {};
      data.queue.forEach(function (item, index) {
        wanted[item.id] = true;
        var li = list.querySelector('li[data-id="' + item.id + '"]') || queueItem(item);
        li.querySelector(".mode").textContent = (MODES[item.mode] || item.mode) + ": ";
        li.querySelector(".summary").textContent = summary(item);
        li.className = item.id === state.currentId ? "current" : "";
        if (list.children[index] !== li) { list.insertBefore(li, list.children[index] || null); }
      });
      Array.prototype.slice.call(list.children).forEach(function (li) {
        if (!wanted[li.getAttribute("data-id")]) { list.removeChild(li); }
      });
      setText("queue-status", data.queue.length ? data.queue.length + " open" : "No one is waiting.");
    }).catch(function () { /* shown on the next successful poll */ });
  }

  // --- one conversation -------------------------------------------------------

  function openConversation(id) {
    state.currentId = id;
    state.shownLines = 0;
    var log = $("transcript");
    while (log.firstChild) { log.removeChild(log.firstChild); }
    error("");
    status("");
    show("conversation-empty", false);
    show("conversation", true);
    refreshConversation().then(function () {
      $("conversation-title").setAttribute("tabindex", "-1");
      $("conversation-title").focus();
    });
  }

  function line(entry) {
    var div = document.createElement("div");
    div.className = "line from-" + entry.from;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = entry.from === "resident" ? "Resident: " :
      (entry.from === "staff" ? "Staff (" + entry.staff + "): " : "Assistant: ");
    div.title = when(entry.at);
    div.appendChild(who);
    div.appendChild(document.createTextNode(entry.text));
    if (entry.flags && entry.flags.length) {
      var flag = document.createElement("span");
      flag.className = "flag";
      flag.textContent = " [" + entry.flags.join(", ") + "]";
      div.appendChild(flag);
    }
    return div;
  }

  function detail(list, term, value) {
    if (value === null || value === undefined || value === "") { return; }
    var dt = document.createElement("dt");
    dt.textContent = term;
    var dd = document.createElement("dd");
    dd.textContent = String(value);
    list.appendChild(dt);
    list.appendChild(dd);
  }

  function showCase(c) {
    var list = $("case-details");
    var history = $("case-history");
    while (list.firstChild) { list.removeChild(list.firstChild); }
    while (history.firstChild) { history.removeChild(history.firstChild); }
    show("case-empty", !c);
    if (!c) { return; }
    var r = c.resident || {};
    detail(list, "Reference", c.reference);
    detail(list, "Kind", c.kind === "complaint" ? "Complaint, stage " + c.stage : "Service request (" + c.category + ")");
    detail(list, "Status", c.status);
    detail(list, "Resident", r.name);
    detail(list, "Contact", [r.email, r.phone].filter(Boolean).join(", "));
    detail(list, "Postcode or address", r.postcode || r.address);
    detail(list, "Received", when(c.received_at));
    detail(list, "Acknowledgement due", c.due && c.due.acknowledgement_due);
    detail(list, "Acknowledged", when(c.acknowledged_at));
    detail(list, "Response due", c.due && c.due.response_due);
    if (c.kind === "complaint") { detail(list, "Extension left", c.due.extension_left + " working days"); }
    detail(list, "Description", c.description);
    detail(list, "Outcome sought", c.outcome_sought);
    detail(list, "Possible exclusion", c.possible_exclusion);
    detail(list, "Vulnerability", c.vulnerability);
    detail(list, "Adjustments", (c.reasonable_adjustments || []).join("; "));
    detail(list, "Outcome", c.outcome);
    (c.history || []).slice().reverse().forEach(function (h) {
      var li = document.createElement("li");
      li.textContent = when(h.at) + " " + h.kind.replace(/_/g, " ") + " (" + h.actor + "): " + h.detail;
      history.appendChild(li);
    });
    $("respond-button").textContent = "Record the stage " + c.stage + " response";
  }

  function showState(data) {
    var h = data.handoff;
    var mine = h.claimed_by === state.username && (h.status === "claimed");
    var open = h.status === "waiting" || h.status === "claimed";
    setText("conversation-summary", (MODES[h.mode] || h.mode) + " on " + h.channel + ". " + h.reason + ". " +
      (h.claimed_by ? "Claimed by " + h.claimed_by + ". " : "Waiting " + waited(h.waiting_seconds) + ". ") +
      (data.paused ? "The assistant is paused." : "The assistant is answering.") +
      (data.delivery ? " " + data.delivery : "") +
      (open ? "" : " This conversation is finished (" + h.status.replace("_", " ") + ")."));
    $("claim").hidden = !open || mine;
    $("claim").disabled = !!h.claimed_by && !mine;
    ["reply-form", "extend-form", "respond-form", "close-form", "finish-form"].forEach(function (id) {
      var controls = $(id).querySelectorAll("button, textarea, input");
      for (var i = 0; i < controls.length; i++) { controls[i].disabled = !mine; }
    });
    $("acknowledge").disabled = !mine;
  }

  function refreshConversation() {
    var id = state.currentId;
    if (id === null) { return Promise.resolve(); }
    return api("GET", "/handoffs/" + id).then(function (data) {
      if (id !== state.currentId) { return; }
      state.conversation = data;
      var log = $("transcript");
      var atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 20;
      data.transcript.slice(state.shownLines).forEach(function (entry) { log.appendChild(line(entry)); });
      state.shownLines = data.transcript.length;
      if (atEnd) { log.scrollTop = log.scrollHeight; }
      showState(data);
      showCase(data.case);
    }).catch(function (e) { error(e.message); });
  }

  function poll() {
    refreshQueue();
    refreshConversation();
  }

  function act(action, body, done) {
    error("");
    status("");
    return api("POST", "/handoffs/" + state.currentId + "/" + action, body).then(function (data) {
      if (done) { done(data); }
      // Never let staff believe a message reached a resident when it did not.
      if (data && data.delivered === false) { status(data.notice); }
      return refreshConversation().then(refreshQueue);
    }).catch(function (e) { error(e.message); });
  }

  function onSubmit(id, handler) {
    $(id).addEventListener("submit", function (event) {
      event.preventDefault();
      handler();
    });
  }

  $("claim").addEventListener("click", function () {
    act("claim", {}, function () { status("You have claimed this conversation."); $("reply-text").focus(); });
  });

  onSubmit("reply-form", function () {
    var text = $("reply-text").value;
    act("reply", { text: text }, function () { $("reply-text").value = ""; status("Reply sent."); });
  });

  onSubmit("note-form", function () {
    act("note", { text: $("note-text").value }, function () { $("note-text").value = ""; status("Note added."); });
  });

  $("acknowledge").addEventListener("click", function () {
    act("acknowledge", {}, function () { status("Complaint acknowledged."); });
  });

  onSubmit("extend-form", function () {
    act("extend", { working_days: $("extend-days").value, reason: $("extend-reason").value }, function () {
      $("extend-reason").value = "";
      status("Extension granted; the resident has been told the new date and the Ombudsman's details.");
    });
  });

  onSubmit("respond-form", function () {
    act("respond", { summary: $("respond-summary").value }, function () {
      $("respond-summary").value = "";
      status("Stage response recorded.");
    });
  });

  onSubmit("close-form", function () {
    act("close", { outcome: $("close-outcome").value }, function () {
      $("close-outcome").value = "";
      status("Case closed.");
    });
  });

  onSubmit("finish-form", function () {
    act("hand-back", { message: $("finish-text").value }, function () {
      $("finish-text").value = "";
      status("Handed back to the assistant.");
    });
  });

  $("end-chat").addEventListener("click", function () {
    act("end", { message: $("finish-text").value }, function () {
      $("finish-text").value = "";
      status("Chat ended.");
    });
  });

  // --- start ----------------------------------------------------------------

  api("GET", "/me").then(signedIn, signedOut);
})();
