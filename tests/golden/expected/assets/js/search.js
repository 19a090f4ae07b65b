// The search page: Pagefind's interface (pagefind/pagefind-ui.js, made by the build), started with
// the words the header's search box sent as ?q=… .
"use strict";
window.addEventListener("DOMContentLoaded", () => {
  const element = document.getElementById("search");
  if (!element || typeof PagefindUI === "undefined") return;
  const ui = new PagefindUI({
    element: "#search",
    baseUrl: element.dataset.baseUrl,
    showImages: false,
    showSubResults: true,
    resetStyles: false,
  });
  const words = new URLSearchParams(window.location.search).get("q");
  if (words) ui.triggerSearch(words);
});
