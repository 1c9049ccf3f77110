// keep signed in: the login page's "Keep me signed in" box belongs to the
// password form, and another way in on the same page (a provider's button)
// is a form of its own. As such a form is sent, the box is copied into its
// hidden rememberMe field. Without scripts those sign-ins are simply not kept.
document.addEventListener('submit', (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  const copy = form.querySelector('input[type="hidden"][name="rememberMe"]');
  const box = document.getElementById('rememberMe');
  if (copy instanceof HTMLInputElement && box instanceof HTMLInputElement) copy.value = box.checked ? 'on' : '';
});
