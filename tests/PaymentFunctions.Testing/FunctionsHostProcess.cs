using System.Formats.Tar;
using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace PaymentFunctions.Testing;

/// <summary>
/// The app under the real Azure Functions host (the open-source WebJobs.Script.WebHost that <c>func start</c> and Azure
/// run): the same HTTP pipeline and function keys, the gRPC channel to the isolated worker, timer triggers, and the
/// worker's shutdown on SIGTERM. Started on a free 127.0.0.1 port with app settings as environment variables (as
/// <c>shared/functions-host/run.sh</c> does), ready once it answers and its master key exists; killed with the test host.
/// The host is found by <see cref="Locate"/>; where none is found, tests skip with <see cref="MissingReason"/>.
/// </summary>
public sealed class FunctionsHostProcess : ExternalProcess
{
    private const string WebHostDll = "Microsoft.Azure.WebJobs.Script.WebHost.dll";
    private static readonly Lazy<(string? Directory, string Reason)> Host = new(Locate, LazyThreadSafetyMode.ExecutionAndPublication);

    private FunctionsHostProcess(int port, string state, IReadOnlyDictionary<string, string?> environment, string hostDirectory)
        : base("dotnet", [WebHostDll], environment, hostDirectory)
    {
        Url = new Uri($"http://127.0.0.1:{port}");
        StateDirectory = state;
    }

    /// <summary>Why the host tests skip here (empty when a host was found).</summary>
    public static string MissingReason => Host.Value.Directory is null ? Host.Value.Reason : string.Empty;

    /// <summary>Base URL, e.g. <c>http://127.0.0.1:40123</c>.</summary>
    public Uri Url { get; }

    /// <summary>The host's secrets and logs.</summary>
    public string StateDirectory { get; }

    /// <summary>The master key (it passes every function's key check), once ready.</summary>
    public string MasterKey { get; private set; } = string.Empty;

    /// <summary>
    /// Starts the app's build output (<c>src/PaymentFunctions/bin/&lt;configuration&gt;/net10.0</c>, the folder with
    /// functions.metadata) under the host with <paramref name="settings"/> (app settings, nested with <c>__</c>).
    /// </summary>
    public static Task<FunctionsHostProcess> StartAsync(IReadOnlyDictionary<string, string> settings) =>
        StartAsync(AppDirectory(), settings);

    /// <summary>Starts another app's build output (<paramref name="appDirectory"/>, the folder with functions.metadata) under the host.</summary>
    public static Task<FunctionsHostProcess> StartAsync(string appDirectory, IReadOnlyDictionary<string, string> settings) =>
        File.Exists(Path.Combine(appDirectory, "functions.metadata"))
            ? OnFreePortAsync(port => StartOnPortAsync(port, appDirectory, settings))
            : throw new FileNotFoundException($"No functions.metadata in {appDirectory}: build the app first.");

    /// <summary>A client whose requests carry the master key as <c>x-functions-key</c>.</summary>
    public HttpClient Client(bool withKey = true)
    {
        var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(30) };
        if (withKey)
        {
            http.DefaultRequestHeaders.Add("x-functions-key", MasterKey);
        }

        return http;
    }

    /// <summary>POSTs a JSON body to the payment function.</summary>
    public Task<(int Status, string? ContentType, string Body)> PostPaymentAsync(string json, bool withKey = true) =>
        PostJsonAsync("/api/payments", json, withKey);

    /// <summary>POSTs a JSON body to a function's route (for example <c>/api/orders</c>).</summary>
    public async Task<(int Status, string? ContentType, string Body)> PostJsonAsync(string path, string json, bool withKey = true)
    {
        using var http = Client(withKey);
        using var content = new StringContent(json, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(new Uri(path, UriKind.Relative), content);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    private static async Task<FunctionsHostProcess> StartOnPortAsync(int port, string app, IReadOnlyDictionary<string, string> settings)
    {
        var hostDirectory = Host.Value.Directory ?? throw new InvalidOperationException("No Functions host: " + Host.Value.Reason);
        var state = Directory.CreateTempSubdirectory("functions-host-").FullName;
        foreach (var folder in new[] { "secrets", "logs", "workers" })
        {
            Directory.CreateDirectory(Path.Combine(state, folder));
        }

        // What run.sh (and func start) set for one isolated-worker app, then the app settings.
        var environment = new Dictionary<string, string?>
        {
            ["CONTAINER_NAME"] = null,
            ["AzureWebJobsScriptRoot"] = app,
            ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["AzureWebJobsSecretStorageType"] = "files",
            ["FUNCTIONS_SECRETS_PATH"] = Path.Combine(state, "secrets"),
            ["FUNCTIONS_LOG_PATH"] = Path.Combine(state, "logs"),
            ["languageWorkers__workersDirectory"] = Path.Combine(state, "workers"),
            ["languageWorkers__dotnet-isolated__workerDirectory"] = app,
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development",
            ["DOTNET_NOLOGO"] = "1",
            ["AzureFunctionsJobHost__Logging__Console__IsEnabled"] = "true",
        };
        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        var host = new FunctionsHostProcess(port, state, environment, hostDirectory);
        try
        {
            await host.WaitForMasterKeyAsync(TimeSpan.FromSeconds(90));
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the host (killing it and its worker if still running) and removes its state.</summary>
    public new async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
    }

    /// <summary>Polls the host (a request with a wrong key makes it write its secrets) until its master key exists.</summary>
    private async Task WaitForMasterKeyAsync(TimeSpan deadline)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var secrets = Path.Combine(StateDirectory, "secrets", "host.json");
        await Poll.UntilAsync(
            async () =>
            {
                if (HasExited)
                {
                    throw new InvalidOperationException("The Functions host exited:\n" + Output);
                }

                try
                {
                    using var _ = await http.GetAsync(new Uri(Url, "/admin/host/status?code=probe"));
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }

                if (!File.Exists(secrets))
                {
                    return false;
                }

                using var document = JsonDocument.Parse(await File.ReadAllTextAsync(secrets));
                MasterKey = document.RootElement.GetProperty("masterKey").GetProperty("value").GetString() ?? string.Empty;
                return MasterKey.Length > 0;
            },
            deadline,
            "the Functions host answers and has written its master key");
    }

    /// <summary>
    /// The host: <c>FUNCTIONS_HOST_BIN</c> (a folder with the WebHost), else <c>FUNCTIONS_HOST_TARBALL</c>, else the
    /// tarball in <c>shared/functions-host</c> beside the repository, unpacked once per test run.
    /// </summary>
    private static (string? Directory, string Reason) Locate()
    {
        if (Environment.GetEnvironmentVariable("FUNCTIONS_HOST_BIN") is { Length: > 0 } bin)
        {
            return File.Exists(Path.Combine(bin, WebHostDll)) ? (bin, string.Empty) : (null, $"FUNCTIONS_HOST_BIN={bin} holds no {WebHostDll}");
        }

        var tarball = Environment.GetEnvironmentVariable("FUNCTIONS_HOST_TARBALL") is { Length: > 0 } given
            ? given
            : Directory.Exists(Path.Combine(Root(), "..", "shared", "functions-host"))
                ? Directory.GetFiles(Path.Combine(Root(), "..", "shared", "functions-host"), "host-*.tar.gz").OrderDescending().FirstOrDefault()
                : null;
        if (tarball is null || !File.Exists(tarball))
        {
            return (null, "no Functions host: set FUNCTIONS_HOST_BIN to a folder with " + WebHostDll + " or FUNCTIONS_HOST_TARBALL to the host's tarball (../shared/functions-host has one in CI)");
        }

        var target = Path.Combine(Path.GetTempPath(), "payment-functions-host-" + Path.GetFileNameWithoutExtension(Path.GetFileNameWithoutExtension(tarball)));
        var release = Path.Combine(target, "release");
        if (!File.Exists(Path.Combine(release, WebHostDll)))
        {
            var staging = target + "." + Guid.NewGuid().ToString("N");
            Directory.CreateDirectory(staging);
            using (var file = File.OpenRead(tarball))
            using (var gzip = new GZipStream(file, CompressionMode.Decompress))
            {
                TarFile.ExtractToDirectory(gzip, staging, overwriteFiles: true);
            }

            try
            {
                Directory.Move(staging, target);
            }
            catch (IOException) when (File.Exists(Path.Combine(release, WebHostDll)))
            {
                Directory.Delete(staging, recursive: true); // another test run unpacked it meanwhile
            }
        }

        return File.Exists(Path.Combine(release, WebHostDll)) ? (release, string.Empty) : (null, $"{tarball} holds no release/{WebHostDll}");
    }

    /// <summary>The app's build output of the configuration the tests were built with.</summary>
    private static string AppDirectory()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var app = Path.Combine(Root(), "src", "PaymentFunctions", "bin", configuration, "net10.0");
        return File.Exists(Path.Combine(app, "functions.metadata"))
            ? app
            : throw new FileNotFoundException($"No functions.metadata in {app}: build src/PaymentFunctions -c {configuration} first.");
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PaymentFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("PaymentFunctions.sln not found above " + AppContext.BaseDirectory);
    }
}

