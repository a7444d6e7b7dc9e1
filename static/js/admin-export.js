// django-import-export's export form: the "Select all" fields toggle. The package wires it with
// an inline onchange handler, which the Content-Security-Policy blocks; the project's copy of
// the template (templates/admin/import_export/export.html) drops it, and this attaches the
// package's own handler (onSelectToggleChange, from export_selectable_fields.js) instead.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input.select-toggle").forEach((toggle) => {
    toggle.addEventListener("change", (event) => window.onSelectToggleChange(event));
  });
});
