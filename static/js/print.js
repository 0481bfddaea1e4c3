// "Print" buttons (receipts, hand-outs): a data attribute instead of an inline onclick, which the
// Content-Security-Policy forbids.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
