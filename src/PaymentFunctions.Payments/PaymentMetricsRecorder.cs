using Microsoft.Extensions.Options;
using Prometheus;

namespace PaymentFunctions.Payments;

/// <summary>Where the payment flow reports what happened; the metrics recorder is the app's only implementation.</summary>
internal interface IPaymentMetricsRecorder
{
    void SetActiveConnections(int active);

    void RecordPayment(PaymentRequest request, bool succeeded, double durationSeconds, double amountUsd);

    void RecordError(string errorType, bool highSeverity);

    /// <summary>Counts one rejected request; <paramref name="cause"/> is one of <see cref="PaymentRequestParser.RejectionCauses"/>.</summary>
    void RecordRejection(string cause);
}

/// <summary>
/// Records the payment metrics on the hot path without allocating: the label values come from the configured allow-lists,
/// so each label set's child is resolved once and cached by the values' positions in those lists. A value outside the
/// lists (a request built in code, not parsed) is still recorded, through the ordinary label lookup.
/// </summary>
internal sealed class PaymentMetricsRecorder : IPaymentMetricsRecorder
{
    private const int Success = 0;
    private const int Failed = 1;
    /// <summary>The <c>status</c> label values of <c>payment_requests_total</c>.</summary>
    internal static readonly string[] Statuses = ["success", "failed"];

    /// <summary>The <c>severity</c> label values of <c>errors_total</c>.</summary>
    internal static readonly string[] Severities = ["high", "medium"];

    private readonly PaymentMetrics _metrics;
    private readonly string _gateway;
    private readonly LabelIndex _tiers;
    private readonly LabelIndex _methods;
    private readonly LabelIndex _currencies;
    private readonly Counter.Child?[] _requests;   // [status * tiers + tier]
    private readonly Histogram.Child?[] _durations; // [method]
    private readonly Histogram.Child?[] _amounts;   // [currency * tiers + tier]
    private readonly Gauge.Child _activeConnections;
    private readonly Counter.Child[] _rejections; // [cause], in the order of PaymentRequestParser.RejectionCauses

    public PaymentMetricsRecorder(PaymentMetrics metrics, IOptions<PaymentOptions> options, IPaymentGateway gateway)
    {
        var settings = options.Value;
        _metrics = metrics;
        _gateway = gateway.Name;
        _tiers = new LabelIndex(settings.UserTiers);
        _methods = new LabelIndex(settings.PaymentMethods);
        _currencies = new LabelIndex(settings.Currencies);
        _requests = new Counter.Child?[Statuses.Length * _tiers.Count];
        _durations = new Histogram.Child?[_methods.Count];
        _amounts = new Histogram.Child?[_currencies.Count * _tiers.Count];
        _activeConnections = metrics.DatabaseConnectionsActive.WithLabels(settings.Database, settings.Pool);
        metrics.DatabaseConnectionsMax.WithLabels(settings.Database, settings.Pool).Set(settings.PoolMaxConnections);
        _rejections = [.. PaymentRequestParser.RejectionCauses.Select(cause => metrics.PaymentRejections.WithLabels(cause))];
    }

    public void SetActiveConnections(int active) => _activeConnections.Set(active);

    public void RecordPayment(PaymentRequest request, bool succeeded, double durationSeconds, double amountUsd)
    {
        var status = succeeded ? Success : Failed;
        var tier = _tiers.IndexOf(request.UserTier);
        var method = _methods.IndexOf(request.PaymentMethod);
        var currency = _currencies.IndexOf(request.Currency);

        var requests = tier < 0
            ? _metrics.PaymentRequests.WithLabels(Statuses[status], _gateway, request.UserTier)
            : _requests[(status * _tiers.Count) + tier] ??= _metrics.PaymentRequests.WithLabels(Statuses[status], _gateway, request.UserTier);
        var duration = method < 0
            ? _metrics.PaymentDuration.WithLabels(_gateway, request.PaymentMethod)
            : _durations[method] ??= _metrics.PaymentDuration.WithLabels(_gateway, request.PaymentMethod);
        var amount = tier < 0 || currency < 0
            ? _metrics.PaymentAmount.WithLabels(request.Currency, request.UserTier)
            : _amounts[(currency * _tiers.Count) + tier] ??= _metrics.PaymentAmount.WithLabels(request.Currency, request.UserTier);

        requests.Inc();
        duration.Observe(durationSeconds);
        amount.Observe(amountUsd);
    }

    public void RecordError(string errorType, bool highSeverity) =>
        _metrics.Errors.WithLabels(PaymentMetrics.PaymentService, errorType, Severities[highSeverity ? 0 : 1]).Inc();

    public void RecordRejection(string cause)
    {
        // Only the fixed causes become label values: anything else is a bug of the caller, not a new series.
        for (var i = 0; i < _rejections.Length; i++)
        {
            if (string.Equals(PaymentRequestParser.RejectionCauses[i], cause, StringComparison.Ordinal))
            {
                _rejections[i].Inc();
                return;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(cause), cause, "Not one of PaymentRequestParser.RejectionCauses.");
    }
}
