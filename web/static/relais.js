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
        // In a widget whose host does not grow the frame, the frame scrolls to show them.
        if (document.body.classList.contains("relais-widget") && list.scrollIntoView) {
          list.scrollIntoView({ block: "nearest" });
        }
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

  /* --- Widget in an iframe: post its height to the host page (README, « Widget ») ------
     {type: "relais:hauteur", hauteur: N} in CSS pixels, to each allowed origin (a message
     for another origin than the parent's is dropped by the browser) and to Relais itself
     (the console's preview). The host grows the frame: the suggestions are never cut. */
  var widgetBody = document.body;
  var parentOrigins = (widgetBody.getAttribute("data-relais-parent-origins") || "")
    .split(" ")
    .filter(Boolean)
    .concat([window.location.origin]);
  if (widgetBody.hasAttribute("data-relais-parent-origins") && window.parent !== window) {
    // Where the browser names the parent's origin (Chromium, Safari), post to it alone.
    var ancestors = window.location.ancestorOrigins;
    if (ancestors && ancestors.length) {
      parentOrigins = parentOrigins.filter(function (origin) {
        return origin === ancestors[0];
      });
    }
    var lastHeight = 0;
    var postHeight = function () {
      var bottom = 0;
      document.querySelectorAll("main, .relais-listbox:not([hidden])").forEach(function (el) {
        bottom = Math.max(bottom, el.getBoundingClientRect().bottom + window.scrollY);
      });
      var height = Math.ceil(bottom) + 2;
      if (height === lastHeight) return;
      lastHeight = height;
      parentOrigins.forEach(function (origin) {
        window.parent.postMessage({ type: "relais:hauteur", hauteur: height }, origin);
      });
    };
    if (window.ResizeObserver) new ResizeObserver(postHeight).observe(widgetBody);
    window.addEventListener("load", postHeight);
    document.addEventListener("toggle", postHeight, true);
    postHeight();
  }

  /* --- The console's live preview: the host side of the same message ----------------- */
  document.querySelectorAll("iframe[data-relais-preview]").forEach(function (frame) {
    window.addEventListener("message", function (event) {
      if (event.origin !== window.location.origin || event.source !== frame.contentWindow) return;
      if (event.data && event.data.type === "relais:hauteur") {
        frame.style.height = Math.min(Math.max(event.data.hauteur, 200), 3000) + "px";
      }
    });
  });

  /* --- Focus: the results heading after a search, the commune field on an empty page ---- */
  var errorSummary = document.getElementById("erreurs");
  var resultsHeading = document.querySelector("[data-relais-focus]");
  if (errorSummary) {
    errorSummary.focus();
  } else if (resultsHeading) {
    resultsHeading.focus({ preventScroll: true });
    resultsHeading.scrollIntoView({ block: "start" });
  } else {
    var communeField = document.getElementById("commune");
    // The adviser page only: a widget must not take the focus from the page that embeds it.
    var searchPage = document.getElementById("formulaire-recherche");
    if (searchPage && communeField && !communeField.value) communeField.focus();
  }

  /* --- Enter submits the search from any field (checkboxes, radios and lists too) ------- */
  document.querySelectorAll("#formulaire-recherche, .relais-widget__form").forEach(function (form) {
    form.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key !== "Enter" || event.defaultPrevented) return;
      var type = (target.getAttribute("type") || "").toLowerCase();
      if (target.tagName === "SELECT" || type === "checkbox" || type === "radio") {
        event.preventDefault();
        if (form.requestSubmit) form.requestSubmit();
        else form.submit();
      }
    });
  });

  /* --- Selection for the orientation sheet: kept across result pages ------------------- */
  var selectionForm = document.getElementById("orientation");
  var selection = document.getElementById("selection");
  if (selectionForm && selection) {
    var storageKey = "relais-choix:" + (selectionForm.getAttribute("data-relais-selection") || "");
    var kept = document.getElementById("choix-autres-pages");
    var boxes = Array.prototype.slice.call(
      selectionForm.querySelectorAll("input[data-relais-choice]")
    );
    var load = function () {
      try {
        return JSON.parse(window.sessionStorage.getItem(storageKey) || "[]");
      } catch (e) {
        return [];
      }
    };
    var save = function (ids) {
      try {
        window.sessionStorage.setItem(storageKey, JSON.stringify(ids));
      } catch (e) {
        /* private mode: the URL still carries the ticks */
      }
    };
    // The ticks: those of the URL (server-rendered), plus those kept in this tab.
    var chosen = load();
    selectionForm.querySelectorAll("input[name=ids]").forEach(function (input) {
      if ((input.type !== "checkbox" || input.checked) && chosen.indexOf(input.value) < 0) {
        chosen.push(input.value);
      }
    });
    var onPage = boxes.map(function (box) {
      return box.value;
    });
    var render = function () {
      boxes.forEach(function (box) {
        box.checked = chosen.indexOf(box.value) >= 0;
      });
      kept.innerHTML = "";
      chosen.forEach(function (id) {
        if (onPage.indexOf(id) >= 0) return;
        var input = document.createElement("input");
        input.type = "hidden";
        input.name = "ids";
        input.value = id;
        kept.appendChild(input);
      });
      // Page links carry the ticks too (a reload or a new tab keeps them).
      document.querySelectorAll(".fr-pagination a[href]").forEach(function (link) {
        var url = new URL(link.getAttribute("href"), window.location.href);
        url.searchParams.delete("ids");
        chosen.forEach(function (id) {
          url.searchParams.append("ids", id);
        });
        link.setAttribute("href", url.pathname + url.search);
      });
      var n = chosen.length;
      selection.textContent =
        n === 0
          ? "Aucune ressource cochée pour la fiche d'orientation."
          : n === 1
            ? "1 ressource cochée pour la fiche d'orientation."
            : n + " ressources cochées pour la fiche d'orientation.";
      save(chosen);
    };
    render();
    selectionForm.addEventListener("change", function (event) {
      var box = event.target;
      if (!box.hasAttribute || !box.hasAttribute("data-relais-choice")) return;
      var at = chosen.indexOf(box.value);
      if (box.checked && at < 0) chosen.push(box.value);
      if (!box.checked && at >= 0) chosen.splice(at, 1);
      render();
    });
    selectionForm.querySelectorAll("[data-relais-clear]").forEach(function (button) {
      button.addEventListener("click", function () {
        chosen = [];
        render();
      });
    });
    selectionForm.addEventListener("submit", function (event) {
      if (event.submitter && event.submitter.getAttribute("formmethod") === "get") return;
      if (!chosen.length) {
        event.preventDefault();
        selection.textContent = "Cochez au moins une ressource avant de préparer la fiche.";
      }
    });

    // The sticky bar never hides a card: focused or scrolled-to elements stop above it.
    var bar = document.getElementById("barre-selection");
    var pad = function () {
      var sticky = bar && window.getComputedStyle(bar).position === "sticky";
      document.documentElement.style.scrollPaddingBottom = sticky
        ? bar.offsetHeight + 16 + "px"
        : "";
    };
    pad();
    window.addEventListener("resize", pad);
  }

  // "Effacer": a new person, so no ticks carried over from the previous one.
  document.querySelectorAll("[data-relais-forget]").forEach(function (link) {
    link.addEventListener("click", function () {
      try {
        Object.keys(window.sessionStorage).forEach(function (key) {
          if (key.indexOf("relais-choix:") === 0) window.sessionStorage.removeItem(key);
        });
      } catch (e) {
        /* nothing kept */
      }
    });
  });

  /* --- Copy buttons beside phone numbers and addresses ----------------------------------- */
  var announce = function (text) {
    var live = document.getElementById("copie-statut");
    if (!live) {
      live = document.createElement("p");
      live.id = "copie-statut";
      live.className = "fr-sr-only";
      live.setAttribute("role", "status");
      live.setAttribute("aria-live", "polite");
      document.body.appendChild(live);
    }
    live.textContent = text;
  };
  var copyText = function (text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (e) {
        ok = false;
      }
      document.body.removeChild(area);
      if (ok) resolve();
      else reject(new Error("copy"));
    });
  };
  document.querySelectorAll("[data-relais-copy-text]").forEach(function (button) {
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-relais-copy-text");
      copyText(text).then(
        function () {
          button.setAttribute("data-relais-copied", "true");
          announce("Copié : " + text);
        },
        function () {
          announce("Copie impossible : sélectionnez le texte et copiez-le.");
        }
      );
    });
  });

  /* --- SMS: characters and SMS count (GSM-7: 160 characters, then parts of 153) --------- */
  var GSM7 =
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡" +
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM7_EXT = "^{}\\[~]|€";
  document.querySelectorAll("[data-relais-sms]").forEach(function (area) {
    var out = document.getElementById(area.getAttribute("aria-describedby"));
    if (!out) return;
    var update = function () {
      var n = 0;
      var unicode = false;
      Array.prototype.forEach.call(area.value, function (c) {
        if (GSM7.indexOf(c) >= 0) n += 1;
        else if (GSM7_EXT.indexOf(c) >= 0) n += 2;
        else unicode = true;
      });
      if (unicode) n = area.value.length;
      var single = unicode ? 70 : 160;
      var part = unicode ? 67 : 153;
      var count = n <= single ? 1 : Math.ceil(n / part);
      out.textContent =
        n + (n > 1 ? " caractères" : " caractère") + ", " + count + " SMS" +
        (unicode ? " (caractères spéciaux : SMS plus courts)" : "");
    };
    area.addEventListener("input", update);
  });

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
