using System.Collections;

namespace PaymentFunctions.Payments;

/// <summary>
/// The logging scope of one payment: <c>RequestId</c> (the function invocation id), <c>UserId</c> and <c>OrderId</c>,
/// as structured key/value pairs that logging providers turn into fields. One small object per payment.
/// </summary>
internal sealed class PaymentLogScope(string requestId, string userId, string orderId) : IReadOnlyList<KeyValuePair<string, object>>
{
    public int Count => 3;

    public KeyValuePair<string, object> this[int index] => index switch
    {
        0 => new("RequestId", requestId),
        1 => new("UserId", userId),
        2 => new("OrderId", orderId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"RequestId:{requestId} UserId:{userId} OrderId:{orderId}";
}
