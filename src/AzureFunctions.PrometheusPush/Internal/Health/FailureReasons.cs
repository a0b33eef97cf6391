using System.Net;
using System.Net.Sockets;

namespace AzureFunctions.PrometheusPush.Internal.Health;

/// <summary>The <c>reason</c> of a failed push attempt: one of a fixed, small set, whatever the failure.</summary>
internal static class FailureReasons
{
    public const string Timeout = "timeout";
    public const string Connection = "connection";
    public const string Transport = "transport";
    public const string Unauthorized = "unauthorized";
    public const string Rejected = "rejected";
    public const string ServerError = "server_error";

    /// <summary>The registry could not be encoded as protobuf, so that push went out as text.</summary>
    public const string Encoding = "encoding";

    public const string Other = "other";

    /// <summary>The reason for a response status.</summary>
    public static string For(HttpStatusCode status) => (int)status switch
    {
        401 or 403 => Unauthorized,
        >= 400 and < 500 => Rejected,
        _ => ServerError,
    };

    /// <summary>The reason for an exception.</summary>
    public static string For(Exception exception) => exception switch
    {
        TaskCanceledException or TimeoutException => Timeout,
        HttpRequestException { InnerException: SocketException } => Connection,
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } => Connection,
        HttpRequestException => Transport,
        _ => Other,
    };
}
