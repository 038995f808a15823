// Admin form fields that pick an athlete, club, event, entry or heat (webui/views/pickers.py):
// select2 asks /api/pickers/<kind>?q=... as the user types and shows at most 20 rows, so a
// form never carries a whole table. The page holds only the row already chosen.
(function ($) {
  if (!$ || !$.fn.select2) return;
  $(function () {
    // jQuery 3.6 leaves the search box of an opened select2 without the focus: give it back,
    // so the user types at once
    $(document).on("select2:open", () => {
      document.querySelector(".select2-container--open .select2-search__field")?.focus();
    });
    $("select.athsys-picker").each(function () {
      const select = $(this);
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
    });
  });
})(window.jQuery);
