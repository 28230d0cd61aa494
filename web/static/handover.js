/* Relais, hand-over pages: character counters and the routing preview. Every page works
   without this file (the "Vérifier le destinataire" button asks the server). */
(function () {
  "use strict";

  document.querySelectorAll("textarea[data-relais-counter]").forEach(function (area) {
    var counter = document.getElementById(area.getAttribute("data-relais-counter"));
    if (!counter) return;
    var max = parseInt(area.getAttribute("maxlength"), 10) || 1000;
    function update() {
      counter.textContent = area.value.length + " / " + max + " caractères";
    }
    area.addEventListener("input", update);
    update();
  });

  var preview = document.querySelector("[data-relais-routing]");
  var code = document.getElementById("code_commune");
  if (preview && code && window.fetch) {
    var url = preview.getAttribute("data-relais-routing");
    var last = code.value;
    var show = function (label, text) {
      preview.textContent = label;
      if (text) {
        var strong = document.createElement("strong");
        strong.textContent = text;
        preview.appendChild(strong);
      }
    };
    var refresh = function () {
      if (!code.value || code.value === last) return;
      last = code.value;
      fetch(url + "?code_commune=" + encodeURIComponent(code.value), {
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.json();
        })
        .then(function (data) {
          if (data.destinataire) show("Sera reçue par : ", data.destinataire);
          else show(data.erreur || "Destinataire inconnu.");
        })
        .catch(function () {
          /* the button still asks the server */
        });
    };
    // The autocomplete fills the hidden code without an event, and says so in its status
    // line: watch the field's group, and look again when the field loses the focus.
    var group = code.closest("[data-relais-commune]");
    var timer = null;
    var later = function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 100);
    };
    if (group && window.MutationObserver) {
      new MutationObserver(later).observe(group, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    }
    var commune = document.getElementById("commune");
    if (commune) commune.addEventListener("blur", later);
  }
})();
