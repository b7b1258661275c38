// Intake page: pick a household from the type-ahead to prefill the petitioner; the 当场答复 fields follow the disposition.
(function () {
  "use strict";
  function byId(id) { return document.getElementById(id); }

  document.addEventListener("click", function (event) {
    var pick = event.target.closest(".household-pick");
    if (pick) {
      byId("id_household").value = pick.dataset.household;
      byId("id_petitioner_name").value = pick.dataset.name;
      byId("id_petitioner_phone").value = pick.dataset.phone || "";
      byId("id_petitioner_id_number").value = pick.dataset.idNumber || "";
      var village = byId("id_village");
      if (village) { village.value = pick.dataset.village; }
      byId("household-chosen-label").textContent = pick.dataset.label;
      byId("household-chosen").classList.remove("d-none");
      byId("household-results").innerHTML = "";
      document.body.dispatchEvent(new Event("household-chosen"));
      byId("id_channel").focus();
      return;
    }
    if (event.target.id === "household-clear") {
      byId("id_household").value = "";
      byId("household-chosen").classList.add("d-none");
    }
  });

  // The 当场答复 fields show only while 当场答复 is the chosen disposition (without JavaScript they always show;
  // the server checks them only for that disposition).
  var answer = byId("answer-fields");
  if (answer) {
    var showAnswer = function () {
      var chosen = document.querySelector("input[name=disposition]:checked");
      answer.hidden = !(chosen && chosen.value === answer.dataset.answerValue);
    };
    document.querySelectorAll("input[name=disposition]").forEach(function (radio) {
      radio.addEventListener("change", showAnswer);
    });
    showAnswer();
  }

  // Enter in the search box picks the first result instead of submitting anything.
  var search = byId("household-search");
  if (search) {
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        var first = document.querySelector(".household-pick");
        if (first) { first.click(); }
      }
    });
  }
})();
