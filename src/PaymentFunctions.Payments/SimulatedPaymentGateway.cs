using System.Globalization;
using Microsoft.Extensions.Options;

namespace PaymentFunctions.Payments;

/// <summary>
/// The seed's simulated gateway: latency and failures drawn from a seeded random source, waiting on the injected
/// <see cref="TimeProvider"/> so tests can run it instantly and deterministically.
/// </summary>
internal sealed class SimulatedPaymentGateway : IPaymentGateway
{
    private readonly SimulatedGatewayOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Random _random;
    private readonly Lock _randomLock = new();

    public SimulatedPaymentGateway(IOptions<SimulatedGatewayOptions> options, TimeProvider timeProvider)
    {
        _options = options.Value;
        _timeProvider = timeProvider;
        _random = _options.Seed is { } seed ? new Random(seed) : new Random();
    }

    public string Name => _options.Name;

    public async Task<string> ChargeAsync(PaymentRequest request, CancellationToken cancellationToken)
    {
        var premium = request.UserTier == "premium";
        double jitter, failureDraw, kindDraw;
        long transaction;
        lock (_randomLock)
        {
            jitter = _random.NextDouble();
            failureDraw = _random.NextDouble();
            kindDraw = _random.NextDouble();
            transaction = _random.NextInt64();
        }

        var latency = Latency(request.Amount, premium, jitter);
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, _timeProvider, cancellationToken).ConfigureAwait(false);
        }

        var failureRate = premium ? _options.PremiumFailureRate : _options.FailureRate;
        if (failureDraw < failureRate)
        {
            if (kindDraw < _options.TimeoutShare)
            {
                throw new GatewayTimeoutException($"The {Name} gateway timed out.");
            }

            throw new InvalidPaymentMethodException($"The {Name} gateway declined the payment method '{request.PaymentMethod}'.");
        }

        return "txn_" + transaction.ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>The seed's latency model for one uniform draw in [0, 1).</summary>
    internal TimeSpan Latency(decimal amount, bool premium, double jitter)
    {
        var milliseconds = _options.BaseLatencyMilliseconds;
        if (premium)
        {
            milliseconds *= _options.PremiumLatencyFactor;
        }
        else if (amount > _options.HighValueThreshold)
        {
            milliseconds *= _options.HighValueLatencyFactor;
        }

        milliseconds += jitter * _options.JitterMilliseconds;
        return TimeSpan.FromMilliseconds(milliseconds * _options.LatencyScale);
    }
}
