/*
 * Tessera portal script: progressive enhancement only, every page works without it. Loaded from this origin
 * (the CSP allows no inline script). It does four things:
 *   - copy buttons: a button with data-copy="ID" copies the text of the element with that id; a copyable value
 *     selects its text when it gets the focus;
 *   - the user menu (a <details>) closes on Escape, returning focus to its toggle, on a click elsewhere, and when
 *     focus leaves it;
 *   - a form that posts is sent once: after its first submit its submit buttons are disabled (aria-disabled, the
 *     form aria-busy) and any further submit is cancelled. A second click used to make the browser abandon the
 *     first request, which the server had carried out, and show the second one's answer ("current password is
 *     wrong" after a change, "already have a token named X" with the new token never shown, 403 after a revoke).
 *     The lock is lifted when the page is shown again from the back-forward cache;
 *   - a table wider than its wrapper marks the wrapper (data-overflowing), so the pinned actions column gets an edge.
 */
(function () {
  'use strict';

  // ---------------------------------------------------------------- copy buttons

  function copyWithSelection(text) {
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.className = 'visually-hidden';
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand('copy');
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error('copy failed'));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return copyWithSelection(text);
      });
    }
    return copyWithSelection(text);
  }

  /** The element holding the button's visible label ("Copy"); the button itself on older markup. */
  function labelOf(button) {
    return button.querySelector('.copy-label') || button;
  }

  /**
   * Says the outcome in the status line and on the button for 2 s. The label to come back to is the one the page
   * gave the button, saved once: a second click within the 2 s used to save "Copied" and leave it there for good.
   */
  function announce(button, message) {
    var status = document.querySelector('[data-copy-status]');
    if (status) {
      // Emptied first, then filled: a screen reader reads a live region's change, and a second copy sets the same text.
      status.textContent = '';
      window.setTimeout(function () {
        status.textContent = message;
      }, 100);
    }
    var label = labelOf(button);
    if (!button.hasAttribute('data-label')) button.setAttribute('data-label', label.textContent);
    label.textContent = message.indexOf('Copied') === 0 ? 'Copied' : 'Copy failed';
    if (button._copyTimer) window.clearTimeout(button._copyTimer);
    button._copyTimer = window.setTimeout(function () {
      button._copyTimer = null;
      label.textContent = button.getAttribute('data-label');
    }, 2000);
  }

  function setUpCopyButtons() {
    var buttons = document.querySelectorAll('button[data-copy]');
    for (var i = 0; i < buttons.length; i++) {
      var source = document.getElementById(buttons[i].getAttribute('data-copy'));
      if (source) buttons[i].hidden = false;
    }
  }

  // A copyable value selects itself when focused, so that a keyboard user whose Copy failed copies it with Ctrl+C
  // (Ctrl+A on a focused <pre> selects the whole page).
  document.addEventListener('focusin', function (event) {
    var block = event.target;
    if (!(block instanceof Element) || !block.classList.contains('copyable-value')) return;
    var selection = window.getSelection();
    if (selection) selection.selectAllChildren(block);
  });

  // ---------------------------------------------------------------- one submit per form

  var UNLOCK_AFTER_MS = 20000;

  function isPostForm(form) {
    return (form.getAttribute('method') || 'get').toLowerCase() === 'post';
  }

  /** The form's submit buttons, including any outside it that name it with form="id". */
  function submitButtonsOf(form) {
    var out = [];
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      var tag = el.tagName.toLowerCase();
      if ((tag === 'button' || tag === 'input') && (el.type === 'submit' || el.type === 'image')) out.push(el);
    }
    return out;
  }

  function lock(form) {
    form.setAttribute('data-submitting', '');
    form.setAttribute('aria-busy', 'true');
    var buttons = submitButtonsOf(form);
    for (var i = 0; i < buttons.length; i++) buttons[i].setAttribute('aria-disabled', 'true');
    // Disabled after this task: the browser builds the form's data after the submit event, and a button disabled
    // before then would drop its own name=value (Grant / Deny on an access request).
    window.setTimeout(function () {
      if (!form.hasAttribute('data-submitting')) return;
      for (var j = 0; j < buttons.length; j++) buttons[j].disabled = true;
    }, 0);
    // Still on this page long after (the network failed, or the answer was not a new page): usable again, rather
    // than locked until a reload.
    window.setTimeout(function () {
      if (form.hasAttribute('data-submitting')) unlock(form);
    }, UNLOCK_AFTER_MS);
  }

  function unlock(form) {
    form.removeAttribute('data-submitting');
    form.removeAttribute('aria-busy');
    var buttons = submitButtonsOf(form);
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = false;
      buttons[i].removeAttribute('aria-disabled');
    }
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form || form.tagName !== 'FORM' || !isPostForm(form)) return;
    if (form.hasAttribute('data-submitting')) {
      event.preventDefault();
      return;
    }
    if (event.defaultPrevented) return;
    lock(form);
  });

  // Back (or forward) to a page kept in the back-forward cache: its forms come back as they were left, locked.
  window.addEventListener('pageshow', function () {
    var locked = document.querySelectorAll('form[data-submitting]');
    for (var i = 0; i < locked.length; i++) unlock(locked[i]);
  });

  // ---------------------------------------------------------------- wide tables

  function markOverflowingTables() {
    var wraps = document.querySelectorAll('.datagrid-wrap');
    for (var i = 0; i < wraps.length; i++) {
      if (wraps[i].scrollWidth > wraps[i].clientWidth + 1) wraps[i].setAttribute('data-overflowing', '');
      else wraps[i].removeAttribute('data-overflowing');
    }
  }

  // ---------------------------------------------------------------- clicks and keys

  document.addEventListener('click', function (event) {
    var target = event.target instanceof Element ? event.target : null;
    var button = target && target.closest('button[data-copy]');
    if (button) {
      var source = document.getElementById(button.getAttribute('data-copy'));
      if (!source) return;
      copyText(source.textContent.trim()).then(
        function () {
          announce(button, 'Copied to the clipboard.');
        },
        function () {
          announce(button, 'Could not copy: select the text and copy it by hand.');
        },
      );
      return;
    }
    var openMenu = document.querySelector('details.user-menu[open]');
    if (openMenu && !(target && openMenu.contains(target))) openMenu.open = false;
  });

  // Focus leaving the open menu (Tab past its last item, Shift+Tab before its toggle) closes it: in a narrow window
  // the open menu covers the page, and the focused link would be hidden under it (WCAG 2.4.11).
  document.addEventListener('focusin', function (event) {
    var openMenu = document.querySelector('details.user-menu[open]');
    if (openMenu && !(event.target instanceof Node && openMenu.contains(event.target))) openMenu.open = false;
  });

  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape') return;
    var openMenu = document.querySelector('details.user-menu[open]');
    if (!openMenu) return;
    openMenu.open = false;
    var toggle = openMenu.querySelector('summary');
    if (toggle) toggle.focus();
  });

  function setUp() {
    setUpCopyButtons();
    markOverflowingTables();
    window.addEventListener('resize', markOverflowingTables);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', setUp);
  } else {
    setUp();
  }
})();
