// Runs before the first paint so a stored or preferred dark theme never flashes light.
(function () {
  var theme = null;
  try { theme = localStorage.getItem('orderflow.theme'); } catch (e) { /* storage disabled */ }
  if (theme !== 'dark' && theme !== 'light') {
    theme = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  }
  document.documentElement.dataset.theme = theme;
})();
