// Runs first in <body>: tells GOV.UK Frontend's CSS that its JavaScript will run, as its page
// template does inline (the Content-Security-Policy allows no inline script, so it is a file).
document.body.className += " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
