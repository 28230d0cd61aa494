/* Relais console: follows a background import (GET its /etat JSON each second) and reloads
   the page, which then shows the report, when the import ends. Without this file, the page
   refreshes itself (noscript meta refresh). */
(function () {
  "use strict";
  var box = document.querySelector("[data-relais-import-etat]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-relais-import-etat");

  function plural(count, singular, pluralForm) {
    // As the server's pluriel(): thousands grouped ("20 000"), singular for 0 and 1.
    var number = count.toLocaleString("fr-FR");
    return number + " " + (count <= 1 ? singular : pluralForm || singular + "s");
  }

  function set(id, text) {
    var element = document.getElementById(id);
    if (element && element.textContent !== text) element.textContent = text;
  }

  function show(state) {
    set("import-etat", state.etat_libelle);
    set("import-etape", state.etape_libelle);
    set("import-lues", plural(state.lues, "ligne lue", "lignes lues"));
    set("import-acceptees", plural(state.acceptees, "acceptée"));
    set("import-rejetees", plural(state.rejetees, "rejetée"));
    set(
      "import-ecrites",
      state.total
        ? ", " + state.ecrites.toLocaleString("fr-FR") + " sur " + state.total.toLocaleString("fr-FR") + " indexées"
        : ""
    );
    var bar = document.getElementById("import-barre");
    if (bar && state.total) {
      bar.max = state.total;
      bar.value = state.ecrites;
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (state) {
        show(state);
        if (state.etat === "en_attente" || state.etat === "en_cours") {
          window.setTimeout(poll, 1000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () {
        window.setTimeout(poll, 3000);
      });
  }
  window.setTimeout(poll, 1000);
})();
