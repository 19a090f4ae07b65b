// Hover previews: hovering or focusing a link to something else on the same page (an equation
// by \eqref, a footnote, a theorem, a citation: any `#id` link whose target is a block) shows
// a copy of the target in a small popup beside the link. Escape, or leaving the link, hides it.
// Only an addition: without this script every link still jumps to its target.
"use strict";
(() => {
  const SKIP_LINKS = ".headerlink, .skip, .footnote-backref, .toc a, .preview a";
  const NOT_PREVIEWED = "h1, h2, h3, h4, h5, h6, main, body, article, header, footer, nav";
  const REMOVED = ".footnote-backref, .sidenote, .headerlink";
  // MathJax 4 in the browser, with its assistive explorer on, keeps an \eqref's target here instead of in href.
  const MATHJAX_HREF = "data-mjx-href";
  const LINKS = `a[href^='#'], a[${MATHJAX_HREF}^='#']`;
  let popup = null;
  let owner = null;
  let hideTimer = 0;

  // The link's target on this page and the block to show for it, or null.
  function targetOf(link) {
    if (link.closest(SKIP_LINKS)) return null;
    const href = link.getAttribute("href") || link.getAttribute("xlink:href") || link.getAttribute(MATHJAX_HREF) || "";
    if (!href.startsWith("#") || href.length < 2) return null;
    let id;
    try { id = decodeURIComponent(href.slice(1)); } catch { return null; }
    const target = document.getElementById(id);
    if (!target || target.matches(NOT_PREVIEWED) || target.contains(link)) return null;
    const display = target.closest(".math.display, mjx-container[display]");
    if (display) return display;
    if (getComputedStyle(target).display.startsWith("inline")) {
      return target.closest("p, li, dd, blockquote, figure, div");
    }
    return target;
  }

  // A copy of the target fit to show elsewhere: no ids, no back links, a list item's contents.
  function copyOf(block) {
    const copy = block.cloneNode(true);
    copy.querySelectorAll(REMOVED).forEach((node) => node.remove());
    [copy, ...copy.querySelectorAll("[id]")].forEach((node) => node.removeAttribute("id"));
    const box = document.createDocumentFragment();
    if (copy.tagName === "LI") box.append(...copy.childNodes);
    else box.append(copy);
    return box;
  }

  function ensurePopup() {
    if (popup) return popup;
    popup = document.createElement("div");
    popup.className = "preview";
    popup.id = "preview-popup";
    popup.setAttribute("role", "tooltip");
    popup.hidden = true;
    popup.addEventListener("mouseenter", () => clearTimeout(hideTimer));
    popup.addEventListener("mouseleave", () => hideSoon());
    document.body.append(popup);
    return popup;
  }

  function place(link) {
    const rect = link.getBoundingClientRect();
    const width = popup.offsetWidth;
    const height = popup.offsetHeight;
    const left = Math.max(8, Math.min(rect.left, document.documentElement.clientWidth - width - 8));
    const below = rect.bottom + 6;
    const top = below + height > window.innerHeight && rect.top - height - 6 > 0 ? rect.top - height - 6 : below;
    popup.style.left = `${left + window.scrollX}px`;
    popup.style.top = `${top + window.scrollY}px`;
  }

  function show(link) {
    const block = targetOf(link);
    if (!block) return;
    clearTimeout(hideTimer);
    if (owner === link && !popup.hidden) return;
    hide();
    ensurePopup().replaceChildren(copyOf(block));
    popup.hidden = false;
    place(link);
    owner = link;
    link.setAttribute("aria-describedby", popup.id);
  }

  function hide() {
    clearTimeout(hideTimer);
    if (popup) popup.hidden = true;
    if (owner) owner.removeAttribute("aria-describedby");
    owner = null;
  }

  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hide, 200);
  }

  const linkIn = (event) => event.target instanceof Element && event.target.closest(LINKS);
  document.addEventListener("mouseover", (event) => { const link = linkIn(event); if (link) show(link); });
  document.addEventListener("mouseout", (event) => { if (linkIn(event) === owner && owner) hideSoon(); });
  document.addEventListener("focusin", (event) => { const link = linkIn(event); if (link) show(link); });
  document.addEventListener("focusout", (event) => { if (linkIn(event) === owner && owner) hide(); });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") hide(); });
})();
