// pressearch serve: progressive enhancement. Every page works without this
// file; with it, typing searches as you go, and facet values, timeline bars,
// pages and the search form load the results without a full reload. The
// server's HTML is parsed and moved in as nodes (never assigned as markup
// strings), and the address bar always holds the page's whole state.
"use strict";
(function () {
  document.documentElement.classList.add("js");
  var form, query, pending = null, timer = null;

  function formUrl() {
    var data = new FormData(form);
    var params = new URLSearchParams();
    data.forEach(function (value, key) {
      if (key === "page" || value === "" || (key === "sort" && value === "relevance")) return;
      params.append(key, value);
    });
    var text = params.toString();
    return "/" + (text ? "?" + text : "");
  }

  function load(url, history_) {
    if (pending) pending.abort();
    pending = new AbortController();
    var main = document.getElementById("main");
    main.classList.add("loading");
    fetch(url, { signal: pending.signal, headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("main");
        if (!fresh) { window.location.href = url; return; }
        document.getElementById("main").replaceWith(document.adoptNode(fresh));
        document.title = page.title;
        var state = page.getElementById("state");
        if (state) document.getElementById("state").replaceWith(document.adoptNode(state));
        ["match", "sort"].forEach(function (id) {
          var mine = document.getElementById(id), theirs = page.getElementById(id);
          if (mine && theirs) mine.replaceWith(document.adoptNode(theirs));
        });
        var q = page.getElementById("q");
        if (history_ !== "typing" && q) query.value = q.value;
        if (history_ === "push") window.history.pushState(null, "", url);
        else if (history_ === "typing") window.history.replaceState(null, "", url);
      })
      .catch(function (error) {
        if (error.name !== "AbortError") window.location.href = url;
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    form = document.getElementById("search");
    query = document.getElementById("q");
    if (!form || !query) return;
    var onSearchPage = window.location.pathname === "/";
    form.addEventListener("submit", function (event) {
      if (!onSearchPage) return;
      event.preventDefault();
      load(formUrl(), "push");
    });
    form.addEventListener("change", function (event) {
      if (event.target.id === "match" || event.target.id === "sort") {
        if (onSearchPage) load(formUrl(), "push"); else form.submit();
      }
    });
    query.addEventListener("input", function () {
      if (!onSearchPage) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { load(formUrl(), "typing"); }, 250);
    });
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[data-nav]");
      if (!link || !onSearchPage || event.button !== 0 ||
          event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      load(link.getAttribute("href"), "push");
    });
    document.addEventListener("keydown", function (event) {
      var typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName);
      if (event.key === "/" && !typing) { event.preventDefault(); query.focus(); query.select(); }
    });
    window.addEventListener("popstate", function () {
      if (onSearchPage) load(window.location.pathname + window.location.search, null);
    });
  });
})();
