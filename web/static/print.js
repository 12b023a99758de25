// The 打印 button of the printable household file (the CSP forbids
// inline script).
document.addEventListener("DOMContentLoaded", function () {
  var b = document.getElementById("print-button");
  if (b) {
    b.addEventListener("click", function () { window.print(); });
  }
});
