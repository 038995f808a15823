// Admin form fields that pick an athlete, club, event, entry or heat (webui/views/pickers.py):
// select2 asks /api/pickers/<kind>?q=... as the user types and shows at most 20 rows, so a
// form never carries a whole table. The page holds only the row already chosen. A list
// page's search form adds its filter fields when the user asks for one (Flask-AppBuilder's
// ab_filters.js copies them into the page): those are turned into pickers as they appear.
(function ($) {
  if (!$ || !$.fn.select2) return;

  function picker(select) {
    if (select.hasClass("select2-hidden-accessible")) return;  // already one
    select.select2({
      theme: "bootstrap",
      width: "100%",
      allowClear: true,
      placeholder: select.data("placeholder") || "Type to search",
      minimumInputLength: 1,
      ajax: {
        url: select.data("picker"),
        dataType: "json",
        delay: 200,
        data: (params) => ({ q: params.term }),
        processResults: (answer) => ({ results: answer.data || [] }),
      },
    });
  }

  $(function () {
    // jQuery 3.6 leaves the search box of an opened select2 without the focus: give it back,
    // so the user types at once
    $(document).on("select2:open", () => {
      document.querySelector(".select2-container--open .select2-search__field")?.focus();
    });
    $("select.athsys-picker").each(function () { picker($(this)); });
    const filters = document.getElementById("filter_form");
    if (filters) {
      new MutationObserver(() => {
        $("select.athsys-picker", filters).each(function () { picker($(this)); });
      }).observe(filters, { childList: true, subtree: true });
    }
  });
})(window.jQuery);
