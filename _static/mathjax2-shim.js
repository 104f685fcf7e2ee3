// The ipywidgets HTML manager typesets widget labels with MathJax 2's API, MathJax.Hub.Queue, which
// the book's MathJax 3 does not have (the call throws, and the label stays raw). Give MathJax 3 that
// one entry point, mapped onto its own typesetPromise. Deferred scripts (MathJax) have run by now.
document.addEventListener("DOMContentLoaded", function () {
  var mj = window.MathJax;
  if (!mj || mj.Hub) return;
  mj.Hub = {
    Queue: function () {
      Array.prototype.forEach.call(arguments, function (job) {
        // MathJax 2 style: ["Typeset", MathJax.Hub, element]
        if (Array.isArray(job) && job[0] === "Typeset" && job[2] && mj.typesetPromise) {
          mj.typesetPromise([job[2]]);
        }
      });
    },
  };
});
