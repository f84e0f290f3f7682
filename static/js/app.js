// Behaviour that used to sit in inline handlers, which the Content-Security-Policy (script-src 'self') forbids.
// Delegated from the document, so elements that htmx swaps in later work too.
"use strict";
document.addEventListener("change", function (event) {
  var el = event.target;
  // A select that saves on its own (the class teacher's reason chooser); its form still has a submit button
  // for browsers without JavaScript.
  if (el.matches && el.matches("select[data-submit-on-change]") && el.form) {
    el.form.requestSubmit();
  }
});
