// Submit a form when a control marked data-autosubmit changes (the language switch), without an
// inline onchange handler: the Content-Security-Policy allows scripts from our own files only.
document.addEventListener("change", function (event) {
  var control = event.target;
  if (control && control.hasAttribute && control.hasAttribute("data-autosubmit") && control.form) {
    control.form.submit();
  }
});
