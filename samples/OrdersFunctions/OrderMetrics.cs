using Prometheus;

namespace OrdersFunctions;

/// <summary>The orders' metrics, declared on the registry the library pushes.</summary>
public sealed class OrderMetrics(CollectorRegistry registry)
{
    /// <summary>The sales channels an order may come from: a fixed set, so the label stays bounded.</summary>
    public static readonly string[] Channels = ["web", "mobile"];

    public Counter Placed { get; } = Metrics.WithCustomRegistry(registry).CreateCounter(
        "orders_placed_total", "Orders placed, by sales channel.", new CounterConfiguration { LabelNames = ["channel"] });

    public Histogram Amount { get; } = Metrics.WithCustomRegistry(registry).CreateHistogram(
        "order_amount_dollars", "Amount of placed orders, in dollars.", new HistogramConfiguration { Buckets = [10, 50, 100, 500, 1000] });

    /// <summary>Creates every channel's series at zero.</summary>
    public void CreateSeries()
    {
        foreach (var channel in Channels)
        {
            Placed.WithLabels(channel);
        }
    }

    /// <summary>Counts one placed order.</summary>
    public void RecordPlaced(string channel, double amount)
    {
        Placed.WithLabels(channel).Inc();
        Amount.Observe(amount);
    }
}
