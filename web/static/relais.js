/* Relais: progressive enhancement. Every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("relais-js");
  document.querySelectorAll("[data-relais-js-only]").forEach(function (element) {
    element.hidden = false;
  });

  /* --- Commune autocomplete: an ARIA 1.2 combobox over GET {suggest-url}?q= ------------- */
  function communeLabel(c) {
    // The same label as the server's (web/search/services.py): department always named.
    var place = c.departement_nom || "département " + c.departement;
    var code = c.codes_postaux && c.codes_postaux[0];
    return c.nom + " (" + (code ? code + ", " : "") + place + ")";
  }

  function setupCombobox(group) {
    var input = group.querySelector("input[type=text]");
    var hidden = group.querySelector("input[type=hidden]");
    var url = group.getAttribute("data-suggest-url");
    if (!input || !hidden || !url || !window.fetch) return;

    var listId = input.id + "-suggestions";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "relais-listbox";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Communes proposées");
    list.hidden = true;
    input.insertAdjacentElement("afterend", list);

    var status = document.createElement("p");
    status.className = "fr-sr-only";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    group.appendChild(status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var items = [];
    var active = -1;
    var timer = null;
    var lastQuery = "";
    var controller = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index >= 0 && options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var c = items[index];
      if (!c) return;
      input.value = communeLabel(c);
      hidden.value = c.code_insee;
      var departement = group.querySelector("input[name=departement]");
      if (departement) departement.value = c.departement; // homonyms there come first next time
      close();
      status.textContent = "Commune choisie : " + communeLabel(c);
    }

    function render(communes) {
      items = communes;
      list.innerHTML = "";
      communes.forEach(function (c, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.textContent = communeLabel(c);
        var small = document.createElement("small");
        small.textContent =
          (c.departement_nom || "Département") + " (" + c.departement + ")" +
          (c.epci_nom ? " · " + c.epci_nom : "");
        li.appendChild(small);
        li.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the input
          choose(i);
        });
        list.appendChild(li);
      });
      if (communes.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        status.textContent =
          communes.length + (communes.length > 1 ? " communes proposées" : " commune proposée") +
          " : flèche bas pour choisir.";
      } else {
        close();
        status.textContent = "Aucune commune ne correspond.";
      }
      active = -1;
    }

    function suggest() {
      var q = input.value.trim();
      if (q.length < 2) {
        close();
        return;
      }
      if (q === lastQuery && items.length) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
        return;
      }
      lastQuery = q;
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      var departement = group.getAttribute("data-departement");
      var params = "?limit=8&q=" + encodeURIComponent(q);
      if (departement) params += "&departement=" + encodeURIComponent(departement);
      fetch(url + params, {
        headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) {
          // Refused (no key, rate limit…): no suggestions, the server resolves the text.
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (!data || input.value.trim() !== q) return;
          render(Array.isArray(data) ? data : data.items || []);
        })
        .catch(function () {
          /* no suggestions: the server resolves the typed text */
        });
    }

    input.addEventListener("input", function () {
      hidden.value = ""; // the text changed: the server resolves it unless a commune is chosen
      clearTimeout(timer);
      timer = setTimeout(suggest, 150);
    });
    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && items.length;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) return suggest();
        highlight(Math.min(active + 1, items.length - 1));
      } else if (event.key === "ArrowUp") {
        if (!open) return;
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();
          choose(active);
        }
      } else if (event.key === "Escape") {
        if (open) {
          event.preventDefault();
          close();
        }
      } else if (event.key === "Tab") {
        if (open && active >= 0) choose(active);
        else close();
      }
    });
    input.addEventListener("blur", function () {
      setTimeout(close, 100);
    });
  }

  document.querySelectorAll("[data-relais-commune]").forEach(setupCombobox);

  /* --- Selection for the orientation sheet: a live count ------------------------------ */
  var selectionForm = document.getElementById("orientation");
  var selection = document.getElementById("selection");
  if (selectionForm && selection) {
    var update = function () {
      var n = selectionForm.querySelectorAll("input[data-relais-choice]:checked").length;
      selection.textContent =
        n === 0
          ? "Aucune ressource cochée pour la fiche d'orientation."
          : n === 1
            ? "1 ressource cochée pour la fiche d'orientation."
            : n + " ressources cochées pour la fiche d'orientation.";
    };
    selectionForm.addEventListener("change", update);
    selectionForm.addEventListener("submit", function (event) {
      if (!selectionForm.querySelector("input[data-relais-choice]:checked")) {
        event.preventDefault();
        selection.textContent = "Cochez au moins une ressource avant de préparer la fiche.";
      }
    });
  }

  /* --- Orientation sheet: print and copy --------------------------------------------- */
  document.querySelectorAll("[data-relais-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });

  document.querySelectorAll("[data-relais-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-relais-copy"));
    var status = document.getElementById("copie-statut");
    if (!source) return;
    button.addEventListener("click", function () {
      var done = function () {
        if (status) status.textContent = "Texte copié : collez-le dans un SMS ou un courriel.";
        button.textContent = "Texte copié";
        setTimeout(function () {
          button.textContent = "Copier le texte";
        }, 3000);
      };
      var fallback = function () {
        source.focus();
        source.select();
        try {
          document.execCommand("copy");
          done();
        } catch (e) {
          if (status) status.textContent = "Copie impossible : sélectionnez le texte et copiez-le.";
        }
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done, fallback);
      } else {
        fallback();
      }
    });
  });
})();
