using System.Text.Json;
using Microsoft.Extensions.Options;

namespace PaymentFunctions.Payments;

/// <summary>The outcome of parsing a payment body: a request, or every field at fault with its message.</summary>
public sealed class PaymentRequestParseResult
{
    private PaymentRequestParseResult(PaymentRequest? request, IReadOnlyDictionary<string, string[]> errors, string? rejectionCause)
    {
        Request = request;
        Errors = errors;
        RejectionCause = rejectionCause;
    }

    public PaymentRequest? Request { get; }

    /// <summary>Field name (as in the JSON body, or <c>body</c>) to its messages. Empty when <see cref="Request"/> is set.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }

    /// <summary>
    /// Why the request was rejected, from <see cref="PaymentRequestParser.RejectionCauses"/> (a bounded label value,
    /// never something the caller sent); null when <see cref="Request"/> is set.
    /// </summary>
    public string? RejectionCause { get; }

    internal static PaymentRequestParseResult Valid(PaymentRequest request) =>
        new(request, new Dictionary<string, string[]>(), null);

    internal static PaymentRequestParseResult Invalid(Dictionary<string, string[]> errors, string cause) => new(null, errors, cause);
}

/// <summary>
/// Parses and validates a JSON payment body against the configured allow-lists, naming every bad field.
/// Only values that pass become label values, so rejected input cannot grow the metrics' cardinality.
/// </summary>
public sealed class PaymentRequestParser(IOptions<PaymentOptions> options)
{
    /// <summary>Largest body accepted, in bytes.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>A body over <see cref="MaxBodyBytes"/>.</summary>
    public const string TooLarge = "too_large";

    /// <summary>A body that is not well-formed JSON, or not a JSON object.</summary>
    public const string MalformedBody = "malformed_body";

    /// <summary>
    /// Every cause of a rejection: the body's two, then the fields in the order of the request. A request with several
    /// bad fields counts once, under the first of them in this order (its 400 answer still names them all).
    /// </summary>
    public static readonly IReadOnlyList<string> RejectionCauses =
        [TooLarge, MalformedBody, OrderIdField, UserIdField, AmountField, CurrencyField, UserTierField, PaymentMethodField];

    // The JSON field names: the keys of the 400 answer's errors and the field causes of a rejection.
    private const string OrderIdField = "orderId";
    private const string UserIdField = "userId";
    private const string AmountField = "amount";
    private const string CurrencyField = "currency";
    private const string UserTierField = "userTier";
    private const string PaymentMethodField = "paymentMethod";

    private const int MaxIdLength = 128;
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    private readonly PaymentOptions _options = options.Value;

    public PaymentRequestParseResult Parse(ReadOnlyMemory<byte> body)
    {
        if (body.Length > MaxBodyBytes)
        {
            return Fail("body", $"The body must not exceed {MaxBodyBytes} bytes.", TooLarge);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, DocumentOptions);
        }
        catch (JsonException)
        {
            return Fail("body", "The body must be a well-formed JSON object.", MalformedBody);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Fail("body", "The body must be a JSON object.", MalformedBody);
            }

            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            var orderId = RequiredId(root, OrderIdField, errors);
            var userId = RequiredId(root, UserIdField, errors);
            var amount = Amount(root, errors);
            var currency = Choice(root, CurrencyField, null, _options.Currencies, errors);
            var userTier = Choice(root, UserTierField, PaymentRequest.DefaultUserTier, _options.UserTiers, errors);
            var method = Choice(root, PaymentMethodField, PaymentRequest.DefaultPaymentMethod, _options.PaymentMethods, errors);

            if (errors.Count > 0)
            {
                return PaymentRequestParseResult.Invalid(errors, RejectionCauses.First(errors.ContainsKey));
            }

            return PaymentRequestParseResult.Valid(new PaymentRequest(orderId!, userId!, amount, currency!, userTier!, method!));
        }
    }

    private static string Canonical(string value, IReadOnlyList<string> allowed)
    {
        foreach (var candidate in allowed)
        {
            if (candidate == value)
            {
                return candidate;
            }
        }

        return value;
    }

    private static PaymentRequestParseResult Fail(string field, string message, string cause) =>
        PaymentRequestParseResult.Invalid(new Dictionary<string, string[]> { [field] = [message] }, cause);

    private static string? RequiredId(JsonElement root, string field, Dictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors[field] = [$"{field} is required."];
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors[field] = [$"{field} must be a string."];
            return null;
        }

        var text = value.GetString()!;
        if (string.IsNullOrWhiteSpace(text) || text.Length > MaxIdLength || text.Any(char.IsControl))
        {
            errors[field] = [$"{field} must be 1 to {MaxIdLength} printable characters."];
            return null;
        }

        return text;
    }

    private decimal Amount(JsonElement root, Dictionary<string, string[]> errors)
    {
        const string field = AmountField;
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors[field] = ["amount is required."];
            return 0;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            errors[field] = ["amount must be a number."];
            return 0;
        }

        if (!value.TryGetDecimal(out var amount))
        {
            errors[field] = ["amount must be a finite number."];
            return 0;
        }

        if (amount <= 0)
        {
            errors[field] = ["amount must be greater than 0."];
        }
        else if (amount > _options.MaxAmount)
        {
            errors[field] = [$"amount must not exceed {_options.MaxAmount}."];
        }

        return amount;
    }

    private static string? Choice(
        JsonElement root, string field, string? defaultValue, IReadOnlyList<string> allowed, Dictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (defaultValue is null)
            {
                errors[field] = [$"{field} is required."];
                return null;
            }

            return Canonical(defaultValue, allowed);
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors[field] = [$"{field} must be a string."];
            return null;
        }

        foreach (var candidate in allowed)
        {
            if (value.ValueEquals(candidate))
            {
                // The configured instance, not a copy: the metrics recorder finds its label child by reference.
                return candidate;
            }
        }

        errors[field] = [$"{field} must be one of: {string.Join(", ", allowed.Order(StringComparer.Ordinal))}."];
        return null;
    }
}
