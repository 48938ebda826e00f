/* The index page's filters: section, significance threshold and search (the kind filter is
   CSS, see index.html). Search reaches the other pages through their JSON indexes (index.json,
   index-N.json). Archived text is only ever set as textContent, never parsed as markup. */
(function () {
  "use strict";
  var bar = document.getElementById("filters");
  if (!bar) return;
  var section = document.getElementById("f-section");
  var threshold = document.getElementById("f-threshold");
  var thresholdValue = document.getElementById("f-threshold-value");
  var search = document.getElementById("f-search");
  var count = document.getElementById("f-count");
  var none = document.getElementById("f-none");
  var elsewhere = document.getElementById("elsewhere");
  var elsewhereNote = document.getElementById("elsewhere-note");
  var elsewhereList = document.getElementById("elsewhere-list");
  var cards = Array.prototype.slice.call(document.querySelectorAll("ol.events > li"));
  var own = bar.getAttribute("data-index");
  var paged = bar.getAttribute("data-paged") === "1";
  var LIMIT = 100;
  var PAGE_NAME = /^(index(-[1-9][0-9]*)?|[0-9]+-[0-9]+-[0-9]+|rollout-[0-9a-f]{16}|article-[0-9]+)\.html$/;
  var loaded = {};
  var searchRound = 0;
  var lastAsked = null;

  function words(text) {
    return (text || "").toLowerCase().split(/\s+/).filter(function (w) { return w; });
  }

  function currentKind() {
    var hash = decodeURIComponent(location.hash.slice(1));
    return hash.indexOf("kind-") === 0 ? hash.slice(5) : "";
  }

  function filters() {
    return {
      kind: currentKind(),
      section: section.value,
      threshold: parseFloat(threshold.value) || 0,
      terms: words(search.value)
    };
  }

  /* item: {title, ids (strings), kinds, sections, significance} */
  function matches(item, f) {
    if (f.kind && item.kinds.indexOf(f.kind) < 0) return false;
    if (f.section && item.sections.indexOf(f.section) < 0) return false;
    if (item.significance < f.threshold - 1e-9) return false;
    var title = item.title.toLowerCase();
    return f.terms.every(function (term) {
      if (/^[0-9]+$/.test(term)) {
        return item.ids.some(function (id) { return id.indexOf(term) === 0; });
      }
      return title.indexOf(term) >= 0;
    });
  }

  function cardItem(card) {
    return {
      title: card.getAttribute("data-title") || "",
      ids: words(card.getAttribute("data-ids")),
      kinds: words(card.getAttribute("data-kinds")),
      sections: words(card.getAttribute("data-sections")),
      significance: parseFloat(card.getAttribute("data-sig")) || 0
    };
  }

  function jsonItem(event) {
    var ids = (event.article_ids || []).concat(event.change_ids || []);
    return {
      title: String(event.title || ""),
      ids: ids.map(String),
      kinds: (event.kinds || []).map(String),
      sections: (event.sections || []).map(String),
      significance: Number(event.significance) || 0
    };
  }

  function apply() {
    var f = filters();
    thresholdValue.textContent = f.threshold.toFixed(2);
    var shown = 0;
    cards.forEach(function (card) {
      var ok = matches(cardItem(card), f);
      card.hidden = !ok;
      if (ok) shown += 1;
    });
    Array.prototype.forEach.call(document.querySelectorAll("ol.events"), function (list) {
      var visible = Array.prototype.some.call(list.children, function (li) { return !li.hidden; });
      list.hidden = !visible;
      var heading = list.previousElementSibling;
      if (heading && heading.classList.contains("day")) heading.hidden = !visible;
    });
    count.textContent = shown + " of " + cards.length + " shown";
    none.hidden = shown > 0 || cards.length === 0;
    searchElsewhere(f);
  }

  function load(name) {
    if (!loaded[name]) {
      loaded[name] = fetch(name, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error(name + ": " + response.status);
        return response.json();
      });
    }
    return loaded[name];
  }

  function result(event) {
    var li = document.createElement("li");
    var href = String(event.href || "");
    var title = document.createElement(PAGE_NAME.test(href) ? "a" : "span");
    if (title.tagName === "A") title.setAttribute("href", href);
    var strong = document.createElement("strong");
    strong.textContent = String(event.title || "");
    title.appendChild(strong);
    li.appendChild(title);
    var meta = document.createElement("span");
    meta.className = "meta";
    var parts = [String(event.detected_at || ""), "significance " + (Number(event.significance) || 0).toFixed(2)];
    if (event.article_ids && event.article_ids.length === 1) parts.unshift("article " + event.article_ids[0]);
    else if (event.article_ids) parts.unshift(event.article_ids.length + " articles");
    meta.textContent = " " + parts.join(" · ") + " (" + String(event.page || "") + ")";
    li.appendChild(meta);
    return li;
  }

  function searchElsewhere(f) {
    var asked = JSON.stringify(f);
    if (asked === lastAsked) return;  // the same search: keep its results (and their links)
    lastAsked = asked;
    var round = ++searchRound;
    elsewhereList.textContent = "";
    if (!paged || f.terms.length === 0) {
      elsewhere.hidden = true;
      return;
    }
    elsewhere.hidden = false;
    elsewhereNote.textContent = "Searching the other pages…";
    var found = 0;
    load("index.json").then(function (newest) {
      var names = ["index.json"];
      for (var page = (Number(newest.pages) || 1) - 1; page >= 1; page--) names.push("index-" + page + ".json");
      names = names.filter(function (name) { return name !== own; });
      function next(i) {
        if (round !== searchRound) return null;
        if (i >= names.length || found >= LIMIT) {
          elsewhereNote.textContent = found === 0 ? "No match on the other pages."
            : found === 1 ? "1 match."
            : found >= LIMIT ? "The first " + LIMIT + " matches, newest first." : found + " matches, newest first.";
          return null;
        }
        return load(names[i]).then(function (index) {
          if (round !== searchRound) return null;
          (index.events || []).forEach(function (event) {
            if (found < LIMIT && matches(jsonItem(event), f)) {
              event.page = index.page;
              elsewhereList.appendChild(result(event));
              found += 1;
            }
          });
          return next(i + 1);
        });
      }
      return next(0);
    }).catch(function () {
      if (round !== searchRound) return;
      elsewhereNote.textContent = "The other pages could not be searched: their JSON indexes load only when " +
        "the folder is served over HTTP (for example python3 -m http.server --directory diffs).";
    });
  }

  [section, threshold, search].forEach(function (control) {
    control.addEventListener("input", apply);
  });
  window.addEventListener("hashchange", apply);
  apply();
})();
