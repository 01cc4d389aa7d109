/*
 * Tessera portal script: progressive enhancement only, every page works without it. Loaded from this origin
 * (the CSP allows no inline script). It does two things:
 *   - copy buttons: a button with data-copy="ID" copies the text of the element with that id;
 *   - the user menu (a <details>) closes on Escape, returning focus to its toggle, and on a click elsewhere.
 */
(function () {
  'use strict';

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

  function announce(button, message) {
    var status = document.querySelector('[data-copy-status]');
    if (status) status.textContent = message;
    var label = button.textContent;
    button.textContent = message.indexOf('Copied') === 0 ? 'Copied' : 'Copy failed';
    window.setTimeout(function () {
      button.textContent = label;
    }, 2000);
  }

  function setUpCopyButtons() {
    var buttons = document.querySelectorAll('button[data-copy]');
    for (var i = 0; i < buttons.length; i++) {
      var source = document.getElementById(buttons[i].getAttribute('data-copy'));
      if (source) buttons[i].hidden = false;
    }
  }

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

  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape') return;
    var openMenu = document.querySelector('details.user-menu[open]');
    if (!openMenu) return;
    openMenu.open = false;
    var toggle = openMenu.querySelector('summary');
    if (toggle) toggle.focus();
  });

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', setUpCopyButtons);
  } else {
    setUpCopyButtons();
  }
})();
