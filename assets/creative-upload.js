/* /console/ads: upload a creative with a progress bar.
 * XMLHttpRequest (fetch reports no upload progress) to the API with the console's session
 * cookie and its form token; the page reloads to show the new creative. Delegated on the
 * document: Dash draws the page after this script has run. */
(function () {
  "use strict";
  function mb(bytes) { return (bytes / 1048576).toFixed(1) + " MB"; }

  // Dash renders no plain <input>: put the file input into its slot whenever the page draws one.
  function fillSlot() {
    var slot = document.getElementById("creative-file-slot");
    if (slot && !slot.firstChild) {
      var input = document.createElement("input");
      input.type = "file";
      input.id = "creative-file";
      input.accept = slot.dataset.accept || "";
      slot.appendChild(input);
    }
  }
  new MutationObserver(fillSlot).observe(document.documentElement, {childList: true, subtree: true});

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("#creative-upload") : null;
    if (!button) { return; }
    var input = document.getElementById("creative-file");
    var bar = document.getElementById("creative-progress");
    var status = document.getElementById("creative-status");
    var file = input && input.files && input.files[0];
    if (!file) { status.textContent = "请选择文件 Choose a file first."; return; }
    var form = new FormData();
    form.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/v1/ads/" + encodeURIComponent(button.dataset.ad) + "/creatives");
    xhr.setRequestHeader("X-CSRF-Token", button.dataset.csrf);
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) { return; }
      bar.value = Math.round((e.loaded / e.total) * 100);
      status.textContent = "上传中 Uploading " + bar.value + "% · " + mb(e.loaded) + " / " + mb(e.total);
    };
    xhr.upload.onload = function () { status.textContent = "检查文件 Checking the file…"; };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = {}; }
      if (xhr.status === 201 || xhr.status === 200) {
        bar.value = 100;
        status.textContent = (xhr.status === 201 ? "上传完成 Uploaded " : "已有此素材 Already there ") +
          (body.content_type || "") + " · " + mb(body.bytes || 0);
        setTimeout(function () { window.location.reload(); }, 700);
      } else {
        bar.value = 0;
        status.textContent = "上传失败 Upload failed (" + xhr.status + "): " + (body.detail || body.title || xhr.statusText);
      }
      button.disabled = false;
    };
    xhr.onerror = function () {
      bar.value = 0;
      status.textContent = "网络错误 The upload broke off; nothing was stored. Try again.";
      button.disabled = false;
    };
    button.disabled = true;
    bar.value = 0;
    status.textContent = "上传中 Uploading…";
    xhr.send(form);
  });
})();
