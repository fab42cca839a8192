// simpul's one script: progressive enhancement only — every page works without it.
// - Submit (`form[data-live-preview]`): the preview follows what is typed, by posting the form
//   (to its `action` attribute: the property is shadowed by the buttons named `action`)
//   with action=preview (the server's own Preview) and showing the answer's #preview section.
// - Upload (`form[data-upload-progress]`): the file is sent with XMLHttpRequest so a <progress>
//   shows how much is sent; the server's answer (the result page) then replaces the page.
// - Refresh (`[data-refresh]`, a pending communication check's progress): the region is fetched
//   again every `data-refresh` seconds and replaced, until the fresh page no longer asks for it.
"use strict";

function livePreview(form) {
  const target = document.getElementById("preview");
  if (!target) return;
  let timer = 0;
  let asked = 0;
  const refresh = async () => {
    const n = ++asked;
    const body = new FormData(form);
    body.set("action", "preview");
    try {
      const res = await fetch(form.getAttribute("action"), {
        method: "POST",
        body: new URLSearchParams(body),
        credentials: "same-origin",
      });
      const page = new DOMParser().parseFromString(await res.text(), "text/html");
      const fresh = page.getElementById("preview");
      // Only the newest answer is shown.
      if (fresh && n === asked) target.innerHTML = fresh.innerHTML;
    } catch (_) {
      // Offline or refused: the Preview button still works.
    }
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  };
  for (const name of ["kind", "value", "shape"]) {
    for (const el of form.querySelectorAll(`[name="${name}"]`)) {
      el.addEventListener("input", later);
      el.addEventListener("change", later);
    }
  }
}

function uploadProgress(form) {
  const bar = form.querySelector("progress");
  const button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", (event) => {
    if (!form.checkValidity()) return;
    event.preventDefault();
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    if (bar) {
      bar.hidden = false;
      bar.value = 0;
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) bar.value = e.loaded / e.total;
      });
      xhr.upload.addEventListener("load", () => bar.removeAttribute("value"));
    }
    if (button) button.disabled = true;
    xhr.addEventListener("load", () => {
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", () => {
      // The network failed: send it the plain way, which shows the browser's own error.
      if (button) button.disabled = false;
      form.submit();
    });
    xhr.send(new FormData(form));
  });
}

function refreshRegion(region) {
  const secs = Number(region.dataset.refresh) || 5;
  const tick = async () => {
    try {
      const res = await fetch(window.location.href, { credentials: "same-origin" });
      const page = new DOMParser().parseFromString(await res.text(), "text/html");
      const fresh = page.getElementById(region.id);
      if (!fresh) return;
      region.innerHTML = fresh.innerHTML;
      if (!fresh.hasAttribute("data-refresh")) {
        region.removeAttribute("data-refresh");
        return;
      }
    } catch (_) {
      // Offline for a moment: try again at the next tick.
    }
    window.setTimeout(tick, secs * 1000);
  };
  window.setTimeout(tick, secs * 1000);
}

for (const f of document.querySelectorAll("form[data-live-preview]")) livePreview(f);
for (const r of document.querySelectorAll("[data-refresh][id]")) refreshRegion(r);
for (const f of document.querySelectorAll("form[data-upload-progress]")) uploadProgress(f);
