using System.Net;
using System.Text.Json;
using Microsoft.Azure.Functions.Worker.Http;
using PaymentFunctions.Payments;

namespace PaymentFunctions;

/// <summary>Writes JSON and RFC 9457 <c>application/problem+json</c> responses.</summary>
internal static class Problems
{
    public const string ProblemJson = "application/problem+json";
    private const string TypePrefix = "urn:payment-functions:problem:";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Task<HttpResponseData> ValidationAsync(
        HttpRequestData request, IReadOnlyDictionary<string, string[]> errors, CancellationToken cancellationToken) =>
        JsonAsync(request, HttpStatusCode.BadRequest, ProblemJson, new ValidationProblem(
            TypePrefix + "validation",
            "The payment request is invalid.",
            (int)HttpStatusCode.BadRequest,
            $"Invalid field(s): {string.Join(", ", errors.Keys)}.",
            errors), cancellationToken);

    public static Task<HttpResponseData> PaymentAsync(
        HttpRequestData request, HttpStatusCode status, string type, string title, PaymentException error, CancellationToken cancellationToken) =>
        JsonAsync(request, status, ProblemJson, new PaymentProblem(
            TypePrefix + type, title, (int)status, error.Message, error.GetType().Name), cancellationToken);

    public static async Task<HttpResponseData> JsonAsync<T>(
        HttpRequestData request, HttpStatusCode status, string contentType, T body, CancellationToken cancellationToken)
    {
        var response = request.CreateResponse(status);
        response.Headers.Add("Content-Type", contentType + "; charset=utf-8");
        await JsonSerializer.SerializeAsync(response.Body, body, Json, cancellationToken);
        return response;
    }

    private sealed record ValidationProblem(string Type, string Title, int Status, string Detail, IReadOnlyDictionary<string, string[]> Errors);

    private sealed record PaymentProblem(string Type, string Title, int Status, string Detail, string ErrorType);
}
