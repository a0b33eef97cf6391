using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PaymentFunctions.Payments;

/// <summary>
/// The seed's instrumented payment flow: log scope, a pool connection (and its gauge), gateway call, then the payment metrics for the outcome.
/// A failed payment is counted (and its error recorded) before the exception goes back to the caller.
/// </summary>
public sealed partial class PaymentService
{
    /// <summary>The seed's severity rule: a failed payment above this many US dollars is a high-severity error.</summary>
    private const decimal HighSeverityAboveUsd = 1000m;

    private readonly IPaymentGateway _gateway;
    private readonly SimulatedConnectionPool _pool;
    private readonly IPaymentMetricsRecorder _metrics;
    private readonly PaymentOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<PaymentService> _logger;

    internal PaymentService(
        IPaymentGateway gateway,
        SimulatedConnectionPool pool,
        IPaymentMetricsRecorder metrics,
        IOptions<PaymentOptions> options,
        TimeProvider timeProvider,
        ILogger<PaymentService> logger)
    {
        _gateway = gateway;
        _pool = pool;
        _metrics = metrics;
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>
    /// Processes a validated payment. <paramref name="requestId"/> (the function invocation id) goes into the log scope.
    /// Throws <see cref="PaymentException"/> when the gateway does not complete it.
    /// </summary>
    public async Task<PaymentResult> ProcessAsync(PaymentRequest request, string requestId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var scope = _logger.BeginScope(new PaymentLogScope(requestId, request.UserId, request.OrderId));

        LogStarted(_logger, request.OrderId, request.Amount, request.Currency, request.UserTier, request.PaymentMethod);
        var started = _timeProvider.GetTimestamp();
        using var connection = _pool.Acquire(); // sets the pool gauge; given back (and the gauge set again) when the payment ends

        var amountUsd = _options.ToUsd(request.Amount, request.Currency);
        try
        {
            var transactionId = await _gateway.ChargeAsync(request, cancellationToken).ConfigureAwait(false);
            var duration = _timeProvider.GetElapsedTime(started).TotalSeconds;
            _metrics.RecordPayment(request, succeeded: true, duration, (double)amountUsd);
            LogCompleted(_logger, request.OrderId, duration, transactionId);
            return new PaymentResult("success", transactionId, duration);
        }
        catch (Exception ex)
        {
            // Every attempt is counted, whatever stopped it: no lost counts.
            var duration = _timeProvider.GetElapsedTime(started).TotalSeconds;
            _metrics.RecordPayment(request, succeeded: false, duration, (double)amountUsd);
            var errorType = ex.GetType().Name;
            _metrics.RecordError(errorType, highSeverity: amountUsd > HighSeverityAboveUsd);
            LogFailed(_logger, request.OrderId, errorType, ex.Message, duration);
            throw;
        }
    }

    /// <summary>
    /// Counts a request the parser rejected (answered 400, never sent to the gateway) under its cause. Logged at debug
    /// only: a broken client or a probe can send thousands, and the counter is what the dashboard and the alert read.
    /// </summary>
    public void RecordRejected(PaymentRequestParseResult rejected)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        var cause = rejected.RejectionCause ?? throw new ArgumentException("The request was not rejected.", nameof(rejected));
        _metrics.RecordRejection(cause);
        LogRejected(_logger, cause, rejected.Errors.Count);
    }

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Payment request rejected: {Cause} ({FieldCount} field(s) at fault)")]
    private static partial void LogRejected(ILogger logger, string cause, int fieldCount);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Payment processing started: order {OrderId}, amount {Amount} {Currency}, tier {UserTier}, method {PaymentMethod}")]
    private static partial void LogStarted(ILogger logger, string orderId, decimal amount, string currency, string userTier, string paymentMethod);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "Payment completed: order {OrderId} in {DurationSeconds} s, transaction {TransactionId}")]
    private static partial void LogCompleted(ILogger logger, string orderId, double durationSeconds, string transactionId);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "Payment failed: order {OrderId}, {ErrorType}: {Error} after {DurationSeconds} s")]
    private static partial void LogFailed(ILogger logger, string orderId, string errorType, string error, double durationSeconds);
}
