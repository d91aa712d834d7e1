/* Website chat widget on socket.io-client: our own, so we own its accessibility.
 *
 * - The conversation (session id and messages) is kept in localStorage, so it
 *   survives a page reload. The session id is issued by the server: the widget
 *   asks for its saved one back, and when the server answers with another
 *   (it never issued that one, or has no such conversation) the old messages
 *   are cleared and a new conversation starts.
 * - Bot text is only ever set with textContent (links are built as elements),
 *   so nothing the bot or a resident says can inject HTML.
 * - Messages typed while the connection is down wait in an outbox (also in
 *   localStorage) and are sent when it comes back.
 */
(function () {
  "use strict";

  var STORE_KEY = "resident-chat-v1";
  var MAX_LENGTH = 10000;
  var TYPING_TIMEOUT_MS = 20000;
  var HUMAN_TEXT = "Talk to a person";

  var log = document.getElementById("chat-log");
  var form = document.getElementById("chat-form");
  var input = document.getElementById("chat-input");
  var statusBox = document.getElementById("chat-status");
  var typing = document.getElementById("chat-typing");
  var errorBox = document.getElementById("chat-error");
  var typingTimer = null;
  var confirmed = false;
  var reconnecting = false;

  function load() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(STORE_KEY) || "null");
      if (saved && Array.isArray(saved.messages) && Array.isArray(saved.outbox)) { return saved; }
    } catch (e) { /* a broken store starts a new conversation */ }
    return { sessionId: null, messages: [], outbox: [], greeted: false };
  }

  var state = load();

  function save() {
    try { window.localStorage.setItem(STORE_KEY, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  function appendText(parent, text) {
    // Turn web addresses into links without ever parsing HTML.
    var pattern = /(https?:\/\/[^\s<>"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+)/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      if (match.index > last) { parent.appendChild(document.createTextNode(text.slice(last, match.index))); }
      var link = document.createElement("a");
      var target = match[0].replace(/[.,;:)]+$/, "");
      link.textContent = target;
      link.href = target.indexOf("@") > 0 && target.indexOf("://") < 0 ? "mailto:" + target : target;
      if (/^https?:/.test(link.href)) { link.rel = "noopener noreferrer"; link.target = "_blank"; }
      parent.appendChild(link);
      last = match.index + target.length;
      pattern.lastIndex = last;
    }
    if (last < text.length) { parent.appendChild(document.createTextNode(text.slice(last))); }
  }

  function disableOldChoices() {
    var buttons = log.querySelectorAll(".choices button");
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
  }

  function renderMessage(message) {
    var item = document.createElement("div");
    item.className = "message " + message.from + (message.staff ? " staff" : "") + (message.pending ? " pending" : "");
    if (message.id) { item.setAttribute("data-id", message.id); }
    var who = document.createElement("span");
    who.className = "who";
    // Screen readers hear who wrote each message; a member of staff's
    // message carries their name in its text, so it is announced as the team's.
    who.textContent = message.from !== "bot" ? "You: " : message.staff ? "Housing team: " : "Assistant: ";
    item.appendChild(who);
    appendText(item, message.text || "");
    log.appendChild(item);
    if (message.buttons && message.buttons.length) {
      var group = document.createElement("div");
      group.className = "choices";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Choices");
      message.buttons.forEach(function (choice) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = choice.title;
        button.disabled = !!message.answered;
        button.addEventListener("click", function () {
          send(choice.payload || choice.title, choice.title);
          input.focus();
        });
        group.appendChild(button);
      });
      log.appendChild(group);
    }
    log.scrollTop = log.scrollHeight;
  }

  function showTyping(on) {
    typing.hidden = !on;
    window.clearTimeout(typingTimer);
    if (on) { typingTimer = window.setTimeout(function () { typing.hidden = true; }, TYPING_TIMEOUT_MS); }
  }

  function setStatus(text) { statusBox.textContent = text; }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = !text;
    if (text) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", "chat-error chat-hint");
    } else {
      input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", "chat-hint");
    }
  }

  function flushOutbox() {
    if (!socket.connected || !confirmed) { return; }
    while (state.outbox.length) {
      var next = state.outbox.shift();
      // The server sends it to the conversation this socket asked for; no id needed.
      socket.emit("user_uttered", { message: next.payload });
      state.messages.forEach(function (m) { if (m.id === next.id) { m.pending = false; } });
      var shown = log.querySelector('[data-id="' + next.id + '"]');
      if (shown) { shown.classList.remove("pending"); }
      showTyping(true);
    }
    save();
  }

  function send(payload, shownText) {
    var text = (shownText || payload || "").trim();
    if (!text) {
      showError("Please type a message first.");
      input.focus();
      return;
    }
    showError("");
    if (text.length > MAX_LENGTH) { text = text.slice(0, MAX_LENGTH); }
    var id = String(Date.now()) + Math.random().toString(16).slice(2);
    state.messages.forEach(function (m) { if (m.buttons) { m.answered = true; } });
    disableOldChoices();
    var message = { id: id, from: "user", text: text, pending: !(socket.connected && confirmed) };
    state.messages.push(message);
    state.outbox.push({ id: id, payload: (payload || text).slice(0, MAX_LENGTH) });
    save();
    renderMessage(message);
    flushOutbox();
  }

  state.messages.forEach(renderMessage);

  var socket = window.io({ path: "/socket.io", transports: ["websocket", "polling"],
                           reconnectionDelayMax: 5000 });

  socket.on("connect", function () {
    confirmed = false;
    socket.emit("session_request", { session_id: state.sessionId });
  });

  socket.on("session_confirm", function (sessionId) {
    var issued = typeof sessionId === "string" ? sessionId : (sessionId && sessionId.session_id);
    var replaced = state.sessionId && issued !== state.sessionId;
    state.sessionId = issued;
    confirmed = true;
    if (replaced) {
      // The server has no conversation under the saved id: start afresh, but
      // keep anything typed and not yet sent.
      state.messages = state.messages.filter(function (m) { return m.pending; });
      state.greeted = false;
      while (log.firstChild) { log.removeChild(log.firstChild); }
      state.messages.forEach(renderMessage);
    }
    // After a dropped connection say so (the status region is polite, so a
    // screen reader hears it); otherwise clear any old status.
    setStatus(replaced ? "Your earlier conversation could not be found, so a new one has started."
                       : reconnecting ? "Connected again." : "");
    reconnecting = false;
    // Greet a new conversation, and greet again one whose greeting was never
    // answered on this page (it was reloaded while the assistant was replying).
    var answered = state.messages.some(function (m) { return m.from === "bot"; });
    var queued = state.outbox.some(function (m) { return m.id === "greeting"; });
    if ((!state.greeted || !answered) && !queued && state.messages.every(function (m) { return m.pending; })) {
      state.greeted = true;
      state.outbox.unshift({ id: "greeting", payload: "hello" });
    }
    save();
    flushOutbox();
  });

  socket.on("disconnect", function (reason) {
    confirmed = false;
    reconnecting = true;
    showTyping(false);
    setStatus("Connection lost. Trying to reconnect... Anything you type will be sent when the connection is back.");
    // socket.io only reconnects by itself when the transport dropped; a
    // server that closed the session (e.g. while shutting down) needs asking.
    if (reason === "io server disconnect") { socket.connect(); }
  });

  socket.on("bot_uttered", function (data) {
    if (!data) { return; }
    var buttons = (data.quick_replies || data.buttons || []).map(function (b) {
      return { title: String(b.title || b.payload || ""), payload: String(b.payload || b.title || "") };
    });
    var message = { from: "bot", text: String(data.text || ""), buttons: buttons,
                    staff: data.staff_name ? String(data.staff_name) : "" };
    state.messages.push(message);
    save();
    showTyping(false);
    renderMessage(message);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    send(text);
    if (text.trim()) { input.value = ""; }
    input.focus();
  });

  input.addEventListener("input", function () {
    if (!errorBox.hidden && input.value.trim()) { showError(""); }
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });

  document.getElementById("chat-human").addEventListener("click", function () {
    send(HUMAN_TEXT);
    input.focus();
  });

  document.getElementById("chat-restart").addEventListener("click", function () {
    window.localStorage.removeItem(STORE_KEY);
    state = { sessionId: null, messages: [], outbox: [], greeted: false };
    while (log.firstChild) { log.removeChild(log.firstChild); }
    setStatus("Started a new conversation.");
    socket.emit("session_request", { session_id: null });
    input.focus();
  });
})();
