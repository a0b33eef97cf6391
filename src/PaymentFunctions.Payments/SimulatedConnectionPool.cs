using Microsoft.Extensions.Options;

namespace PaymentFunctions.Payments;

/// <summary>The seed's simulated database pool: starts with some active connections and grows by one per successful payment, up to its size.</summary>
internal sealed class SimulatedConnectionPool(IOptions<PaymentOptions> options)
{
    private int _active = options.Value.PoolInitialConnections;

    public int Active => Volatile.Read(ref _active);

    public int Max { get; } = options.Value.PoolMaxConnections;

    public void OnPaymentSucceeded()
    {
        int current;
        do
        {
            current = Volatile.Read(ref _active);
            if (current >= Max)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _active, current + 1, current) != current);
    }
}
