// The what-if form: a national what-if scores the registry twice, which
// takes a few seconds at a million households. While it runs, show the
// progress message and keep the button from sending it twice. (The CSV
// button downloads a file and leaves the page as it is.)
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("whatif-form");
  if (!form) return;
  form.addEventListener("submit", function (e) {
    var button = document.getElementById("whatif-run");
    if (e.submitter && e.submitter !== button) return;
    var progress = document.getElementById("whatif-progress");
    if (progress) progress.classList.remove("d-none");
    if (button) button.disabled = true;
  });
});
