/* Accessibility repairs for Dash 4's own components, applied as Dash draws them (axe-core checks the result):
 * - RadioItems and Checklist render role="listbox" with role="option" labels around real inputs: a list box
 *   holding checkboxes is neither (axe: nested-interactive, aria-input-field-name). They become what they
 *   are, a radio group or a group, named by the data-label of the element around them.
 * - Dropdown's hidden focus catcher is focusable while aria-hidden: it leaves the tab order.
 * - DatePickerRange puts aria-expanded on a plain div and aria-label on an <a> without href: the
 *   clear button becomes a button; the wrapper drops the state only a widget role may carry. */
(function () {
  function groupName(el) {
    var holder = el.closest("[data-label]");
    return holder ? holder.getAttribute("data-label") : null;
  }

  function repair(root) {
    root.querySelectorAll('[role="listbox"]').forEach(function (box) {
      var input = box.querySelector("input[type=radio], input[type=checkbox]");
      if (!input) return;
      box.setAttribute("role", input.type === "radio" ? "radiogroup" : "group");
      var name = groupName(box);
      if (name && box.getAttribute("aria-label") !== name) box.setAttribute("aria-label", name);
    });
    root.querySelectorAll('label[role="option"], label.dash-options-list-option[aria-selected]').forEach(function (label) {
      label.removeAttribute("role");
      label.removeAttribute("aria-selected");
    });
    root.querySelectorAll('.dash-dropdown-focus-target[aria-hidden="true"]').forEach(function (el) {
      if (el.getAttribute("tabindex") !== "-1") el.setAttribute("tabindex", "-1");
    });
    root.querySelectorAll(".dash-datepicker-input-wrapper[aria-expanded]").forEach(function (el) {
      el.removeAttribute("aria-expanded");
      el.removeAttribute("aria-haspopup");
    });
    root.querySelectorAll("a.dash-datepicker-clear:not([role])").forEach(function (el) {
      el.setAttribute("role", "button");
      el.setAttribute("tabindex", "0");
    });
  }

  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      repair(document);
    });
  }).observe(document.documentElement, {subtree: true, childList: true, attributes: true,
                                        attributeFilter: ["role", "aria-expanded", "aria-hidden", "aria-selected"]});
})();
