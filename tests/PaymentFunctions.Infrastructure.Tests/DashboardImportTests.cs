using System.Diagnostics;
using System.Text.Json;

namespace PaymentFunctions.Infrastructure.Tests;

/// <summary>
/// scripts/grafana-import-dashboard.sh (the managed backend's dashboard one-liner) run against a stand-in <c>az</c> that
/// answers the data-source list and keeps what is imported: every panel must then read the integration's data source.
/// </summary>
public sealed class DashboardImportTests : IDisposable
{
    private const string IntegrationUid = "amw-integration-uid";
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("dashboard-import-");

    [Fact]
    public void The_imported_dashboard_reads_the_workspace_data_source_in_every_panel_and_target()
    {
        var imported = Path.Combine(_directory.FullName, "imported.json");
        var az = Path.Combine(_directory.FullName, "az");
        File.WriteAllText(az, $$"""
            #!/usr/bin/env bash
            case "$1 $2" in
              "grafana data-source") echo "{{IntegrationUid}}" ;;
              "grafana dashboard")
                while [ $# -gt 0 ]; do if [ "$1" = "--definition" ]; then cp "$2" "{{imported}}"; fi; shift; done ;;
              *) echo "unexpected: az $*" >&2; exit 2 ;;
            esac
            """.ReplaceLineEndings("\n"));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(az, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var start = new ProcessStartInfo("bash", [Path.Combine(Repository.Root, "scripts", "grafana-import-dashboard.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["PATH"] = $"{_directory.FullName}:{Environment.GetEnvironmentVariable("PATH")}";
        start.Environment["AZURE_GRAFANA_NAME"] = "amg-test";
        start.Environment["AZURE_RESOURCE_GROUP"] = "rg-test";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), output);
        Assert.True(process.ExitCode == 0, output);

        using var dashboard = JsonDocument.Parse(File.ReadAllText(imported));
        var uids = DataSourceUids(dashboard.RootElement.GetProperty("panels")).ToList();
        Assert.NotEmpty(uids);
        Assert.All(uids, uid => Assert.Equal(IntegrationUid, uid));
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private static IEnumerable<string> DataSourceUids(JsonElement panels)
    {
        foreach (var panel in panels.EnumerateArray())
        {
            var targets = panel.TryGetProperty("targets", out var t) ? t.EnumerateArray().ToList() : [];
            foreach (var holder in targets.Prepend(panel))
            {
                if (holder.TryGetProperty("datasource", out var datasource) && datasource.ValueKind == JsonValueKind.Object)
                {
                    yield return datasource.GetProperty("uid").GetString()!;
                }
            }

            if (panel.TryGetProperty("panels", out var nested))
            {
                foreach (var uid in DataSourceUids(nested))
                {
                    yield return uid;
                }
            }
        }
    }
}
