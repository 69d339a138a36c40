// Stripe's Payment Element for the worker's own contribution (card or iDEAL). Only loaded
// on the payment page when Stripe is configured; the result arrives by webhook.
(function () {
  var element = document.getElementById("payment-element");
  if (!element || !window.Stripe) { return; }
  var stripe = window.Stripe(element.dataset.key);
  var elements = stripe.elements({ clientSecret: element.dataset.clientSecret });
  elements.create("payment").mount(element);
  document.getElementById("pay-button").addEventListener("click", function () {
    stripe.confirmPayment({ elements: elements, confirmParams: { return_url: window.location.href } });
  });
})();
