// The ask form: as the title is typed, list up to five threads that probably answer it.
// Progressive enhancement: without this script the "Check for similar questions" button does it.
(function () {
  "use strict";
  var box = document.getElementById("similar");
  var title = document.getElementById("title");
  if (!box || !title || !window.fetch || !window.AbortController) { return; }
  var timer = null, pending = null, last = "";

  function render(items) {
    box.textContent = "";
    if (!items.length) { return; }
    var heading = document.createElement("h2");
    heading.textContent = "These may already answer it";
    var list = document.createElement("ul");
    items.forEach(function (item) {
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = item.url;
      link.textContent = item.title;  // text, never HTML: titles are user input
      li.appendChild(link);
      if (item.status === "solved") {
        var mark = document.createElement("span");
        mark.className = "solved";
        mark.textContent = " ✓ Solved";
        li.appendChild(mark);
      }
      var count = document.createElement("small");
      count.textContent = " " + item.answer_count + (item.answer_count === 1 ? " answer" : " answers");
      li.appendChild(count);
      list.appendChild(li);
    });
    box.appendChild(heading);
    box.appendChild(list);
  }

  function lookUp() {
    var text = title.value.trim();
    if (text === last) { return; }
    last = text;
    if (pending) { pending.abort(); }  // a stale answer must never replace a newer one
    if (text.length < 4) { render([]); return; }
    pending = new AbortController();
    var url = box.dataset.endpoint + "?limit=" + (box.dataset.limit || "5") +
              "&title=" + encodeURIComponent(text);
    fetch(url, {signal: pending.signal, headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {items: []}; })
      .then(function (data) { render(data.items || []); })
      .catch(function (error) { if (error.name !== "AbortError") { render([]); } });
  }

  title.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(lookUp, 250);
  });
}());
