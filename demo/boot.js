// Runs before the page's modules: when one of them cannot load (most often
// dist/ has not been built), say so on the page instead of leaving it inert.
// A failed module graph fires `error` at its <script> element; that event does
// not bubble, so it is caught on the way down.
addEventListener(
  'error',
  function (e) {
    var el = e.target;
    if (!el || el.tagName !== 'SCRIPT' || document.getElementById('boot-error')) return;
    var box = document.createElement('div');
    box.id = 'boot-error';
    box.className = 'boot-error';
    box.textContent =
      'The demo could not load its scripts (' + (el.src || 'a module') + ' or one of its imports). ' +
      'Is the package built? Run `npm run demo`, which builds dist/ and starts the server.';
    (document.body || document.documentElement).prepend(box);
  },
  true
);
