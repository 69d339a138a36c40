// Passkeys: the browser's part of WebAuthn, the only place Leerwallet needs JavaScript.
// A form marked data-passkey="register" or "get" asks the server for options (JSON, with
// the CSRF token in a header), hands them to navigator.credentials, puts the answer as JSON
// in the form's hidden "credential" field and sends the form as usual. Without WebAuthn the
// page shows its data-passkey-unsupported note and the button is switched off.
(function () {
  "use strict";

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(base64 + "===".slice((base64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBytes(descriptors) {
    return (descriptors || []).map(function (descriptor) {
      return Object.assign({}, descriptor, { id: toBytes(descriptor.id) });
    });
  }

  function creationOptions(json) {
    var options = Object.assign({}, json, { challenge: toBytes(json.challenge) });
    options.user = Object.assign({}, json.user, { id: toBytes(json.user.id) });
    options.excludeCredentials = withBytes(json.excludeCredentials);
    return { publicKey: options };
  }

  function requestOptions(json) {
    var options = Object.assign({}, json, { challenge: toBytes(json.challenge) });
    options.allowCredentials = withBytes(json.allowCredentials);
    return { publicKey: options };
  }

  function answer(credential) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) }
    };
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      if (response.userHandle) { json.response.userHandle = toBase64url(response.userHandle); }
    }
    return JSON.stringify(json);
  }

  var supported = Boolean(window.PublicKeyCredential && navigator.credentials &&
                          window.isSecureContext);

  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    var button = form.querySelector("button[type=submit]");
    var status = form.querySelector("[data-passkey-status]");
    var field = form.querySelector("input[name=credential]");
    if (!supported) {
      document.querySelectorAll("[data-passkey-unsupported]").forEach(function (note) {
        note.hidden = false;
      });
      button.disabled = true;
      return;
    }
    var registering = form.dataset.passkey === "register";
    form.addEventListener("submit", function (event) {
      if (field.value) { return; }  // an answer already made: the server checks it again
      event.preventDefault();
      button.disabled = true;
      status.textContent = "";
      var token = form.querySelector("input[name=csrf_token]").value;
      fetch(form.dataset.optionsUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token, "Accept": "application/json" }
      }).then(function (reply) {
        if (reply.status === 403) {
          // A fresh second factor first: the server names the page that asks for it.
          return reply.json().then(function (json) {
            if (json.step_up) { window.location.assign(json.step_up); }
            throw new Error("step-up");
          });
        }
        if (!reply.ok) { throw new Error("options " + reply.status); }
        return reply.json();
      }).then(function (json) {
        return registering ? navigator.credentials.create(creationOptions(json))
                           : navigator.credentials.get(requestOptions(json));
      }).then(function (credential) {
        field.value = answer(credential);
        form.submit();
      }).catch(function () {
        status.textContent = form.dataset.failed;
        button.disabled = false;
      });
    });
  });
})();
