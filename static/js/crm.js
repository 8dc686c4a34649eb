/* The staff pages' behaviour on top of htmx: dialogs the server sends, drag and drop on the
   board (moves posted as the stage menu would), live required-field marks and the company's
   contact persons on «Создать». */
(function () {
  "use strict";

  function openDialogs(root) {
    root.querySelectorAll("dialog").forEach(function (dialog) {
      if (!dialog.open) dialog.showModal();
      var first = dialog.querySelector(".is-missing input, .is-missing select, .is-missing textarea")
        || dialog.querySelector("input:not([type=hidden]), select, textarea, button");
      if (first) first.focus();
    });
  }

  function closeDialogs() {
    var slot = document.getElementById("dialog-slot");
    if (!slot) return;
    slot.querySelectorAll("dialog").forEach(function (d) { d.close(); });
    slot.innerHTML = "";
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id === "dialog-slot") openDialogs(event.detail.target);
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-dialog]")) {
      event.preventDefault();
      closeDialogs();
    }
  });
  document.addEventListener("close", function (event) {
    if (event.target.tagName === "DIALOG") event.target.remove();
  }, true);
  document.body && document.body.addEventListener("dealMoved", function () {
    closeDialogs();
    if (document.body.dataset.page === "deal") window.location.reload();
  });

  // --- board: the side panel a card's title opens ------------------------------------------
  function closePanel() {
    var panel = document.getElementById("side-panel");
    if (panel) panel.innerHTML = "";
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-panel]")) closePanel();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !document.querySelector("dialog[open]")) closePanel();
  });
  // A move made from the panel refreshes the board; the panel then shows a stale stage.
  document.body.addEventListener("dealMoved", closePanel);

  // --- board: drag a card onto a column the spec lets it move to -------------------------
  function boardMoves() {
    var node = document.getElementById("board-moves");
    return node ? JSON.parse(node.textContent) : null;
  }
  var dragged = null;
  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".deal-card");
    if (!card) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.deal);
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    document.querySelectorAll(".drop-ok").forEach(function (c) { c.classList.remove("drop-ok"); });
    dragged = null;
  });
  function moveFor(column) {
    var moves = boardMoves();
    if (!dragged || !moves || !column) return null;
    var fromStage = dragged.dataset.stage, toStage = column.dataset.stage;
    return (moves[fromStage] || {})[toStage] || null;
  }
  document.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest(".column");
    if (moveFor(column)) {
      event.preventDefault();
      column.classList.add("drop-ok");
    }
  });
  document.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest(".column");
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-ok");
  });
  document.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest(".column");
    var transition = moveFor(column);
    if (!transition) return;
    event.preventDefault();
    // The stage the card showed: a deal moved meanwhile by someone else is not moved again.
    var url = dragged.dataset.movesUrl + transition + "/?expected_stage="
      + encodeURIComponent(dragged.dataset.stage);
    // A forward move is made at once (its dialog comes back only if fields are missing); a
    // win that hands the deal on, a failure or a return opens its dialog to be confirmed.
    var confirm = column.classList.contains("column-success");
    var kind = transition.indexOf("to_") === 0 && !confirm ? "POST" : "GET";
    htmx.ajax(kind, url, { target: "#dialog-slot", swap: "innerHTML" });
  });

  // --- «Создать»: mark what the chosen stage requires, red while empty ------------------
  function isEmpty(field) {
    var inputs = field.querySelectorAll("input, select, textarea");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "checkbox" || input.type === "radio") { if (input.checked) return false; }
      else if (input.type === "file") { if (input.files.length) return false; }
      else if (input.value.trim() !== "") return false;
    }
    return true;
  }
  function refreshRequired(form) {
    var stage = form.querySelector("[name=stage]").value;
    form.querySelectorAll("[data-required-at]").forEach(function (field) {
      var required = field.dataset.requiredAt.split(" ").indexOf(stage) !== -1;
      field.classList.toggle("is-required", required);
      field.classList.toggle("is-empty", required && isEmpty(field));
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-stage-form]");
    if (!form) return;
    refreshRequired(form);
    form.addEventListener("change", function () { refreshRequired(form); });
    form.addEventListener("input", function () { refreshRequired(form); });
  });

  // --- «Создать»: choosing a company swaps in the select of its contact persons; a person
  // picked while the new select was on its way stays picked if they work there.
  var pickedContact = "";
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.target.id === "id_contact") pickedContact = event.detail.target.value;
  });
  document.addEventListener("htmx:afterSwap", function () {
    var select = document.getElementById("id_contact");
    var form = select && select.closest("[data-stage-form]");
    if (!form) return;
    if (pickedContact && !select.value && select.querySelector("option[value='" + pickedContact + "']")) {
      select.value = pickedContact;
    }
    pickedContact = "";
    refreshRequired(form);
  });
})();
