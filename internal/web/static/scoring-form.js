// The what-if form: a national what-if scores the registry twice, which
// takes a few seconds at a million households. While it runs, show the
// progress message and keep the button from sending it twice.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("whatif-form");
  if (!form) return;
  form.addEventListener("submit", function () {
    var progress = document.getElementById("whatif-progress");
    var button = document.getElementById("whatif-run");
    if (progress) progress.classList.remove("d-none");
    if (button) button.disabled = true;
  });
});
